// Canonical stream events → a surface's SSE bytes, pull-based: one upstream event read per chunk
// the client takes, so nothing is buffered and a slow client slows the upstream read. Each
// surface supplies only how an event, the end and a failure are written.
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { type GatewayError, toGatewayError } from "#shared/errors/gateway-error.ts";

export interface SurfaceEventWriter {
  /** This event's lines; "" when it writes nothing yet (usage, a held event). */
  write(event: CanonicalStreamEvent): string;
  /** The events ran out: the closing lines. */
  end(): string | Promise<string>;
  /** The lines that end a failed stream in this surface's shape. */
  fail(error: GatewayError): string;
  /** Whether the last lines ended the stream (an error event, the end marker): nothing more is read. */
  finished(): boolean;
}

const encoder = new TextEncoder();

export function writeEventStream(
  events: AsyncIterable<CanonicalStreamEvent>,
  writer: SurfaceEventWriter,
): ReadableStream<Uint8Array> {
  const iterator = events[Symbol.asyncIterator]();
  let closed = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Some events write nothing; read on until something is written.
      while (!closed) {
        let lines: string;
        let exhausted = false;
        try {
          const next = await iterator.next();
          exhausted = next.done === true;
          lines = next.done ? await writer.end() : writer.write(next.value);
        } catch (error) {
          exhausted = true;
          lines = writer.fail(toGatewayError(error));
        }
        if (exhausted || writer.finished()) {
          closed = true;
          // After the stream's last event nothing more is read: stop the upstream.
          if (!exhausted) void Promise.resolve(iterator.return?.()).catch(() => {});
        }
        if (lines !== "") controller.enqueue(encoder.encode(lines));
        if (closed) controller.close();
        else if (lines !== "") return;
      }
    },
    async cancel() {
      closed = true;
      await iterator.return?.();
    },
  });
}
