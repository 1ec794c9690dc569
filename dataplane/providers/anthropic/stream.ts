// A streamed Messages body (SSE) → canonical events. Framing by eventsource-parser; the event
// mapping lives in stream-state.ts. Failures after the stream started become an `error` event,
// never a throw, so the surface can end its own stream cleanly.
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { drainEvents, SseReadError, sseData } from "../sse-data.ts";
import { AnthropicStreamState } from "./stream-state.ts";

export async function* parseAnthropicStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<CanonicalStreamEvent> {
  const state = new AnthropicStreamState();
  const events: CanonicalStreamEvent[] = [];
  try {
    for await (const data of sseData(body)) {
      let payload: unknown;
      try {
        payload = JSON.parse(data);
      } catch {
        // Anthropic's data is always JSON; an empty keep-alive is not worth failing for.
        if (data.trim() === "") continue;
        state.fail(events, "the stream sent a payload that is not JSON", "upstream_error");
        break;
      }
      state.push(payload, events);
      for (const event of drainEvents(events)) yield event;
      // Stops the upstream after message_stop (and after a failure).
      if (state.done) break;
    }
  } catch (error) {
    if (!(error instanceof SseReadError)) throw error;
    state.fail(events, error.message, error.kind);
  }
  state.finish(events);
  for (const event of drainEvents(events)) yield event;
}
