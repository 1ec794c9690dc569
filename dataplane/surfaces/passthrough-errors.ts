// The fast path forwards the upstream's SSE bytes, except an error event: its body is the
// upstream's (and may quote a credential), so it is read, classified and written again in the
// surface's shape with the message scrubbed. Only events holding the bytes `"error"` are parsed
// (inside a JSON string a quote is escaped, so text deltas never hold them).
import type { UpstreamErrorKind } from "#shared/errors/upstream-error.ts";
import { eventData } from "./sse-events.ts";

const ERROR_KEY = Buffer.from('"error"');
const decoder = new TextDecoder();

/**
 * Where `key` next starts in `bytes` at or after `start`, given where it was found last (`at`,
 * -1 for nowhere): searched again only once the events have moved past it, so the events of a
 * chunk are checked with one native search per key and chunk rather than a view and a search
 * per event (issue 20: allocations per stream chunk).
 */
export function nextKeyAt(bytes: Buffer, key: Uint8Array, at: number, start: number): number {
  return at === -1 || at >= start ? at : bytes.indexOf(key, start);
}

/** `"error"`, which an event must hold to carry an upstream error (see streamedError). */
export const ERROR_KEY_BYTES: Uint8Array = ERROR_KEY;

export interface StreamedUpstreamError {
  kind: UpstreamErrorKind;
  /** Scrubbed and bounded: safe to show. */
  message: string;
}

/**
 * The upstream error an event carries, or null for any other event. `errorObject` finds the
 * error in the event's JSON (null when the event is not one), `classify` gives its kind.
 */
export function streamedError(
  event: Uint8Array,
  errorObject: (payload: Record<string, unknown>) => Record<string, unknown> | null,
  classify: (error: Record<string, unknown>) => UpstreamErrorKind,
  redact: (text: string) => string,
): StreamedUpstreamError | null {
  const bytes = Buffer.from(event.buffer, event.byteOffset, event.byteLength);
  if (bytes.indexOf(ERROR_KEY) === -1) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(eventData(decoder.decode(event)));
  } catch {
    return null;
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return null;
  const error = errorObject(payload as Record<string, unknown>);
  if (!error) return null;
  const text = typeof error.message === "string" && error.message !== "" ? error.message : "";
  return {
    kind: classify(error),
    message: text === "" ? "the upstream reported an error" : redact(text).slice(0, 1000),
  };
}
