// W3C trace context for OpenTelemetry (docs/operations.md): the request's span as the decision
// trace keeps it (request-spans.ts starts it from the caller's `traceparent`), and the
// `traceparent` each upstream attempt's call carries, naming the attempt's own span, whose id is
// decided before the call so the span made after the request can have it.
/** The request's span as the decision trace keeps it (ids in lowercase hex). */
export interface RequestSpan {
  trace_id: string;
  span_id: string;
  /** The caller's span, from its `traceparent`. */
  parent_span_id?: string;
  /** The caller's sampled flag (true without a caller): unsampled requests export no spans. */
  sampled: boolean;
}

/** The header an attempt's upstream call carries, its span being `spanId`. */
export function traceparentOf(span: RequestSpan, spanId: string): string {
  return `00-${span.trace_id}-${spanId}-${span.sampled ? "01" : "00"}`;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const scratch = new Uint8Array(16);

/** `bytes` random bytes in hex, never all zero (an invalid id in W3C trace context). */
export function randomHex(bytes: 8 | 16): string {
  const view = scratch.subarray(0, bytes);
  let text: string;
  do {
    crypto.getRandomValues(view);
    text = "";
    for (const byte of view) text += HEX[byte];
  } while (/^0+$/.test(text));
  return text;
}
