// A streamed Chat v2 body (SSE: `event: <type>` and `data: <json>`) → canonical events. Framing
// by eventsource-parser; the payload's own `type` decides, so the `event:` line is not needed.
// Failures after the stream started become an `error` event, never a throw.
import { createParser } from "eventsource-parser";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { CohereStreamState } from "./stream-state.ts";

/** An upstream that sends one event larger than this is broken; stop instead of buffering. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

export async function* parseCohereStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<CanonicalStreamEvent> {
  const state = new CohereStreamState();
  const events: CanonicalStreamEvent[] = [];
  let done = false;
  const parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onEvent(message) {
      if (done || state.failed) return;
      if (message.data === "[DONE]") {
        done = true;
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(message.data);
      } catch {
        state.fail(events, "the stream sent a payload that is not JSON");
        return;
      }
      state.push(payload, events);
    },
    onError(error) {
      if (error.type === "max-buffer-size-exceeded") {
        state.fail(events, "the stream sent an event too large to read");
      }
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    while (!done && !state.failed) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        const timedOut = error instanceof Error && error.name === "TimeoutError";
        const reason = error instanceof Error ? error.message : String(error);
        state.fail(
          events,
          `stream interrupted: ${reason}`,
          timedOut ? "timeout" : "upstream_error",
        );
        break;
      }
      if (next.done) {
        parser.feed(`${decoder.decode()}\n\n`); // A last event without its blank line still counts.
        break;
      }
      parser.feed(decoder.decode(next.value, { stream: true }));
      yield* drain(events);
    }
    state.finish(events);
    yield* drain(events);
  } finally {
    // Stops the upstream when the consumer leaves early.
    reader.cancel().catch(() => {});
  }
}

function* drain(events: CanonicalStreamEvent[]): Generator<CanonicalStreamEvent> {
  for (const event of events) yield event;
  events.length = 0;
}
