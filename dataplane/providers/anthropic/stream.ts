// A streamed Messages body (SSE) → canonical events. Framing by eventsource-parser; the event
// mapping lives in stream-state.ts. Failures after the stream started become an `error` event,
// never a throw, so the surface can end its own stream cleanly.
import { createParser } from "eventsource-parser";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { AnthropicStreamState } from "./stream-state.ts";

/** An upstream that sends one event larger than this is broken; stop instead of buffering. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

export async function* parseAnthropicStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<CanonicalStreamEvent> {
  const state = new AnthropicStreamState();
  const events: CanonicalStreamEvent[] = [];
  const parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onEvent(message) {
      if (state.done) return;
      let payload: unknown;
      try {
        payload = JSON.parse(message.data);
      } catch {
        // Anthropic's data is always JSON; an empty keep-alive is not worth failing for.
        if (message.data.trim() !== "") {
          state.fail(events, "the stream sent a payload that is not JSON", "upstream_error");
        }
        return;
      }
      state.push(payload, events);
    },
    onError(error) {
      if (error.type === "max-buffer-size-exceeded") {
        state.fail(events, "the stream sent an event too large to read", "upstream_error");
      }
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    while (!state.done) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        const name = (error as { name?: unknown } | null)?.name;
        const kind = name === "TimeoutError" ? "timeout" : "upstream_error";
        state.fail(events, `stream interrupted: ${describe(error)}`, kind);
        break;
      }
      // At the end, a blank line: a last event without its own still counts.
      const text = next.done
        ? `${decoder.decode()}\n\n`
        : decoder.decode(next.value, { stream: true });
      parser.feed(text);
      yield* drain(events);
      if (next.done) break;
    }
    state.finish(events);
    yield* drain(events);
  } finally {
    // Stops the upstream when the consumer leaves early, and after message_stop.
    reader.cancel().catch(() => {});
  }
}

function* drain(events: CanonicalStreamEvent[]): Generator<CanonicalStreamEvent> {
  for (const event of events) yield event;
  events.length = 0;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
