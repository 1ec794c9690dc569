// The same-shape fast path's stream: the upstream's SSE bytes go to the client as they are, each
// event as soon as its blank line arrives, while usage is read on the side. The one change: the
// usage-only chunk (`choices: []` with `usage`) is dropped when the client did not ask for it.
// Only an incomplete event is ever held back.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { convertOpenAiUsage } from "../../providers/openai/convert-usage.ts";
import { concat, EventScanner, eventData } from "../sse-events.ts";

export interface PassthroughStreamOptions {
  stripUsageChunk: boolean;
  /** Called for every chunk carrying usage; the last call has the final counts. */
  onUsage(usage: CanonicalUsage): void;
  /** Called once per complete SSE event, before it is forwarded (first-token timing). */
  onEvent?(): void;
}

const USAGE_KEY = Buffer.from('"usage"');
const decoder = new TextDecoder();

export function createOpenAiPassthroughStream(
  upstream: ReadableStream<Uint8Array>,
  options: PassthroughStreamOptions,
): ReadableStream<Uint8Array> {
  const scanner = new EventScanner();
  let pending: Uint8Array | undefined;

  return upstream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const data = pending ? concat(pending, chunk) : chunk;
        let eventStart = 0;
        let runStart = 0;
        for (let end = scanner.next(data); end !== -1; end = scanner.next(data)) {
          const event = data.subarray(eventStart, end);
          options.onEvent?.();
          if (readUsage(event, options)) {
            if (eventStart > runStart) controller.enqueue(data.subarray(runStart, eventStart));
            runStart = end;
          }
          eventStart = end;
        }
        if (eventStart > runStart) controller.enqueue(data.subarray(runStart, eventStart));
        pending = eventStart < data.length ? data.slice(eventStart) : undefined;
        scanner.rebase(eventStart);
      },
      flush(controller) {
        // A last event without its blank line: still the upstream's bytes, forwarded as they are.
        if (pending && !readUsage(pending, options)) controller.enqueue(pending);
        pending = undefined;
      },
    }),
  );
}

/**
 * Reads usage from an event that has any and reports it; returns whether the event is to be
 * dropped. Only events whose bytes hold `"usage": {` are decoded, so the text chunks (which carry
 * `"usage": null` when usage was asked for) cost one byte search.
 */
function readUsage(event: Uint8Array, options: PassthroughStreamOptions): boolean {
  if (!hasUsageObject(event)) return false;
  let payload: unknown;
  try {
    payload = JSON.parse(eventData(decoder.decode(event)));
  } catch {
    return false;
  }
  if (typeof payload !== "object" || payload === null) return false;
  const chunk = payload as Record<string, unknown>;
  const usage = convertOpenAiUsage(chunk.usage);
  if (!usage) return false;
  options.onUsage(usage);
  return options.stripUsageChunk && Array.isArray(chunk.choices) && chunk.choices.length === 0;
}

function hasUsageObject(event: Uint8Array): boolean {
  const bytes = Buffer.from(event.buffer, event.byteOffset, event.byteLength);
  for (let at = bytes.indexOf(USAGE_KEY); at !== -1; at = bytes.indexOf(USAGE_KEY, at + 1)) {
    let i = at + USAGE_KEY.length;
    while (bytes[i] === 0x20) i++;
    if (bytes[i] !== 0x3a) continue; // ':'
    i++;
    while (bytes[i] === 0x20) i++;
    if (bytes[i] === 0x7b) return true; // '{'
  }
  return false;
}
