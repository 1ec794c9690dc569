// Canonical stream events → the Responses stream, each event written as it arrives (pull-based:
// one upstream event read per chunk the client takes). With response.completed, the finished
// response is handed to `onComplete` (the gateway stores it there), not awaited: the store's
// write is off the client's path, readable by every data plane within a second (at once in the
// embedded default, whose store is written before the event is handed on).

import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { writeEventStream } from "../event-stream.ts";
import type { HiddenSignatures } from "./output-items.ts";
import type { ResponseShell } from "./response-object.ts";
import { streamEnded } from "./sse.ts";
import { ResponsesStreamWriter } from "./stream-writer.ts";

export interface StreamCompletion {
  /** Called once with the finished response as response.completed is written (not awaited). */
  onComplete(response: Record<string, unknown>, hidden: HiddenSignatures): void;
}

export function renderResponsesStream(
  events: AsyncIterable<CanonicalStreamEvent>,
  shell: ResponseShell,
  completion: StreamCompletion,
): ReadableStream<Uint8Array> {
  // Some events write nothing (usage, signatures) until their item is done.
  const writer = new ResponsesStreamWriter(shell);
  return writeEventStream(events, {
    write: (event) => writer.write(event),
    end: () => end(writer, completion),
    fail: (error) => writer.fail(error),
    finished: () => writer.failed,
  });
}

/** The events ran out: the final event after a finished answer, else the failure events. */
function end(writer: ResponsesStreamWriter, completion: StreamCompletion): string {
  if (writer.failed) return "";
  if (!writer.finished) return writer.fail(streamEnded());
  const response = writer.finalResponse();
  const completed = writer.complete(response);
  completion.onComplete(response, writer.hidden);
  return completed;
}
