// Canonical stream events → the Responses stream, each event written as it arrives (pull-based:
// one upstream event read per chunk the client takes). Before response.completed goes out, the
// finished response is handed to `onComplete` and awaited (the gateway stores it there), so a
// client that reads it can use its id at once.
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { toGatewayError } from "#shared/errors/gateway-error.ts";
import type { HiddenSignatures } from "./output-items.ts";
import type { ResponseShell } from "./response-object.ts";
import { streamEnded } from "./sse.ts";
import { ResponsesStreamWriter } from "./stream-writer.ts";

const encoder = new TextEncoder();

export interface StreamCompletion {
  /** Called once with the finished response before response.completed is written. */
  onComplete(response: Record<string, unknown>, hidden: HiddenSignatures): Promise<void>;
}

export function renderResponsesStream(
  events: AsyncIterable<CanonicalStreamEvent>,
  shell: ResponseShell,
  completion: StreamCompletion,
): ReadableStream<Uint8Array> {
  const writer = new ResponsesStreamWriter(shell);
  const iterator = events[Symbol.asyncIterator]();
  let closed = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Some events write nothing (usage, signatures); keep reading until something is written.
      while (!closed) {
        let lines: string;
        let exhausted = false;
        try {
          const next = await iterator.next();
          exhausted = next.done === true;
          lines = next.done ? await end(writer, completion) : writer.write(next.value);
        } catch (error) {
          exhausted = true;
          lines = writer.fail(toGatewayError(error));
        }
        if (exhausted || writer.failed) {
          closed = true;
          // After an error event, nothing more is read: stop the upstream.
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

/** The events ran out: the final event after a finished answer, else the failure events. */
async function end(writer: ResponsesStreamWriter, completion: StreamCompletion): Promise<string> {
  if (writer.failed) return "";
  if (!writer.finished) return writer.fail(streamEnded());
  const response = writer.finalResponse();
  await completion.onComplete(response, writer.hidden);
  return writer.complete(response);
}
