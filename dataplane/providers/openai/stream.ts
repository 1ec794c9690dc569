// A streamed Chat Completions body (SSE) → canonical events. Framing by eventsource-parser; the
// chunk mapping lives in stream-state.ts. Failures after the stream started become an `error`
// event, never a throw, so the surface can end its own stream cleanly.

import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { drainEvents, SseReadError, sseData } from "../sse-data.ts";
import { ChatStreamState } from "./stream-state.ts";

export async function* parseOpenAiStream(
  body: ReadableStream<Uint8Array>,
  vendor = "openai",
): AsyncGenerator<CanonicalStreamEvent> {
  const state = new ChatStreamState(vendor);
  const events: CanonicalStreamEvent[] = [];
  try {
    for await (const data of sseData(body)) {
      if (data === "[DONE]") break;
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch {
        state.fail(
          events,
          { message: "the stream sent a payload that is not JSON" },
          "upstream_error",
        );
        break;
      }
      state.push(chunk, events);
      for (const event of drainEvents(events)) yield event;
      if (state.failed) break;
    }
  } catch (error) {
    if (!(error instanceof SseReadError)) throw error;
    state.fail(events, { message: error.message }, error.kind);
  }
  state.finish(events);
  for (const event of drainEvents(events)) yield event;
}
