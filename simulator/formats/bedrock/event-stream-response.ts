// Serves binary event-stream frames the way common/event-stream.ts serves SSE: all at once when
// unpaced, paced by tokens per second when a profile asks, or cut after N frames by a fault.
import type { BinaryStreamEvent } from "./converse-stream.ts";

export const EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

const CUT_GRACE_MS = 25;

export interface BinaryStreamPlan {
  tokensPerSecond: number;
  cutAfterChunks: number | undefined;
}

export function binaryStreamResponse(
  events: BinaryStreamEvent[],
  plan: BinaryStreamPlan,
  headers: Record<string, string>,
): Response {
  const allHeaders = { "content-type": EVENT_STREAM_CONTENT_TYPE, ...headers };
  const paced = Number.isFinite(plan.tokensPerSecond) && plan.tokensPerSecond > 0;
  if (!paced && plan.cutAfterChunks === undefined) {
    return new Response(Buffer.concat(events.map((event) => event.frame)), { headers: allHeaders });
  }
  // A cut always happens before the last frame, so the stream never looks complete.
  const sendCount =
    plan.cutAfterChunks === undefined
      ? events.length
      : Math.min(plan.cutAfterChunks, events.length - 1);
  const millisecondsPerToken = paced ? 1000 / plan.tokensPerSecond : 0;
  let next = 0;
  let tokensSent = 0;
  let startedAt = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next === 0) startedAt = performance.now();
      if (next >= sendCount) {
        if (sendCount < events.length) {
          await Bun.sleep(CUT_GRACE_MS);
          controller.error();
        } else controller.close();
        return;
      }
      const event = events[next] as BinaryStreamEvent;
      if (event.tokens > 0 && paced) {
        const wait = startedAt + tokensSent * millisecondsPerToken - performance.now();
        if (wait > 0) await Bun.sleep(wait);
      }
      tokensSent += event.tokens;
      next++;
      controller.enqueue(event.frame);
    },
  });
  return new Response(stream, { headers: allHeaders });
}
