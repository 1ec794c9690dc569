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

/** Where the next bytes of a rendered stream come from, pulled one at a time. */
export interface ChunkSource {
  /** The next bytes, or null once the stream has ended. */
  next(): Promise<Uint8Array | null>;
  /** Stops the stream early (the client went away): the upstream is cancelled. */
  cancel(): Promise<void>;
}

/**
 * The streams writeEventStream made, with their source: the stream guard (which wraps every
 * answer the client gets) pulls the bytes from there directly, without the stream's own queue,
 * `pull` and reader in between (a promise hop and a queue entry per event on the translated
 * path, issue 20). Any other reader reads the stream as usual; only one of the two is ever used.
 */
const sources = new WeakMap<ReadableStream<Uint8Array>, ChunkSource>();

/** The source of a stream writeEventStream made, or undefined for any other stream. */
export function chunkSourceOf(stream: ReadableStream<Uint8Array>): ChunkSource | undefined {
  return sources.get(stream);
}

export function writeEventStream(
  events: AsyncIterable<CanonicalStreamEvent>,
  writer: SurfaceEventWriter,
): ReadableStream<Uint8Array> {
  const source = eventChunks(events, writer);
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const bytes = await source.next();
        if (bytes === null) controller.close();
        else controller.enqueue(bytes);
      },
      cancel: () => source.cancel(),
    },
    // Nothing read ahead: the source is pulled only when a reader asks (or the guard does).
    { highWaterMark: 0 },
  );
  sources.set(stream, source);
  return stream;
}

/** The surface's SSE bytes for each event that writes any, until the stream has ended. */
function eventChunks(
  events: AsyncIterable<CanonicalStreamEvent>,
  writer: SurfaceEventWriter,
): ChunkSource {
  const iterator = events[Symbol.asyncIterator]();
  let closed = false;
  return {
    async next() {
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
        if (lines !== "") return encoder.encode(lines);
      }
      return null;
    },
    async cancel() {
      closed = true;
      await iterator.return?.();
    },
  };
}
