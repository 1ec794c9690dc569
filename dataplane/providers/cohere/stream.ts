// A streamed Chat v2 body (SSE: `event: <type>` and `data: <json>`) → canonical events. Framing
// by eventsource-parser; the payload's own `type` decides, so the `event:` line is not needed.
// Failures after the stream started become an `error` event, never a throw.
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { drainEvents, SseReadError, sseData } from "../sse-data.ts";
import { CohereStreamState } from "./stream-state.ts";

export async function* parseCohereStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<CanonicalStreamEvent> {
  const state = new CohereStreamState();
  const events: CanonicalStreamEvent[] = [];
  try {
    for await (const data of sseData(body)) {
      if (data === "[DONE]") break;
      let payload: unknown;
      try {
        payload = JSON.parse(data);
      } catch {
        state.fail(events, "the stream sent a payload that is not JSON");
        break;
      }
      state.push(payload, events);
      for (const event of drainEvents(events)) yield event;
      if (state.failed) break;
    }
  } catch (error) {
    if (!(error instanceof SseReadError)) throw error;
    state.fail(events, error.message, error.kind);
  }
  state.finish(events);
  for (const event of drainEvents(events)) yield event;
}
