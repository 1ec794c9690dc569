// A streamed Chat Completions body (SSE) → canonical events. Framing by eventsource-parser; the
// chunk mapping lives in stream-state.ts. Failures after the stream started become an `error`
// event, never a throw, so the surface can end its own stream cleanly.

import { createParser } from "eventsource-parser";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { ChatStreamState } from "./stream-state.ts";

/** An upstream that sends one event larger than this is broken; stop instead of buffering. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

export async function* parseOpenAiStream(
  body: ReadableStream<Uint8Array>,
  vendor = "openai",
): AsyncGenerator<CanonicalStreamEvent> {
  const state = new ChatStreamState(vendor);
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
      let chunk: unknown;
      try {
        chunk = JSON.parse(message.data);
      } catch {
        state.fail(
          events,
          { message: "the stream sent a payload that is not JSON" },
          "upstream_error",
        );
        return;
      }
      state.push(chunk, events);
    },
    onError(error) {
      if (error.type === "max-buffer-size-exceeded") {
        state.fail(
          events,
          { message: "the stream sent an event too large to read" },
          "upstream_error",
        );
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
        const name = (error as { name?: unknown } | null)?.name;
        const kind = name === "TimeoutError" ? "timeout" : "upstream_error";
        state.fail(events, { message: `stream interrupted: ${describe(error)}` }, kind);
        break;
      }
      // At the end, a blank line: a last event without its own still counts.
      const text = next.done
        ? `${decoder.decode()}\n\n`
        : decoder.decode(next.value, { stream: true });
      try {
        parser.feed(text);
      } catch (error) {
        state.fail(events, { message: `unreadable stream: ${describe(error)}` }, "upstream_error");
      }
      if (next.done) break;
      yield* drain(events);
    }
    state.finish(events);
    yield* drain(events);
  } finally {
    // Stops the upstream when the consumer leaves early, and after [DONE].
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
