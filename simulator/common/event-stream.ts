// Serves a rendered server-sent-event stream: all at once when unpaced (the fast path the
// benchmarks take), paced by tokens per second when a profile asks for it, or cut abruptly
// after N events when a fault says so.

export interface StreamEvent {
  /** One complete SSE frame, blank line included. */
  frame: string;
  /** Output tokens this event carries; pacing spends time only on these. */
  tokens: number;
}

export interface StreamPlan {
  tokensPerSecond: number;
  /** Close the connection without the final events after this many events. */
  cutAfterChunks: number | undefined;
}

export const EVENT_STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

// Long enough for the events already queued to reach the socket before the connection drops;
// erroring at once can reset the connection before the client has read them.
const CUT_GRACE_MS = 25;

const encoder = new TextEncoder();

export function streamResponse(
  events: StreamEvent[],
  plan: StreamPlan,
  headers: Record<string, string>,
): Response {
  const allHeaders = { ...EVENT_STREAM_HEADERS, ...headers };
  if (!isPaced(plan) && plan.cutAfterChunks === undefined) {
    let body = "";
    for (const event of events) body += event.frame;
    return new Response(body, { headers: allHeaders });
  }
  return new Response(
    pacedStream(events, plan, (event) => encoder.encode(event.frame)),
    { headers: allHeaders },
  );
}

export const isPaced = (plan: StreamPlan) =>
  Number.isFinite(plan.tokensPerSecond) && plan.tokensPerSecond > 0;

/**
 * The events' frames (as `bytesOf` encodes them) paced by the plan's tokens per second, or cut
 * after its number of events; the SSE stream above and Bedrock's binary event stream share it.
 */
export function pacedStream<Event extends { tokens: number }>(
  events: Event[],
  plan: StreamPlan,
  bytesOf: (event: Event) => Uint8Array,
): ReadableStream<Uint8Array> {
  const paced = isPaced(plan);
  // A cut always happens before the last event, so the stream never looks complete.
  const sendCount =
    plan.cutAfterChunks === undefined
      ? events.length
      : Math.min(plan.cutAfterChunks, events.length - 1);
  const millisecondsPerToken = paced ? 1000 / plan.tokensPerSecond : 0;
  let next = 0;
  let tokensSent = 0;
  let startedAt = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next === 0) startedAt = performance.now();
      if (next >= sendCount) {
        if (sendCount < events.length) {
          await Bun.sleep(CUT_GRACE_MS);
          // No reason given: Bun then drops the connection without logging an error.
          controller.error();
        } else controller.close();
        return;
      }
      const event = events[next] as Event;
      if (event.tokens > 0 && paced) {
        // The first token goes out at once (time to first token was spent before the headers).
        const dueAt = startedAt + tokensSent * millisecondsPerToken;
        const wait = dueAt - performance.now();
        if (wait > 0) await Bun.sleep(wait);
      }
      tokensSent += event.tokens;
      next++;
      controller.enqueue(bytesOf(event));
    },
  });
}
