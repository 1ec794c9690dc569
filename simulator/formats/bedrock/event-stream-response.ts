// Serves binary event-stream frames the way common/event-stream.ts serves SSE: all at once when
// unpaced, paced by tokens per second when a profile asks, or cut after N frames by a fault.
import { isPaced, pacedStream, type StreamPlan } from "../../common/event-stream.ts";
import type { BinaryStreamEvent } from "./converse-stream.ts";

export const EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

export function binaryStreamResponse(
  events: BinaryStreamEvent[],
  plan: StreamPlan,
  headers: Record<string, string>,
): Response {
  const allHeaders = { "content-type": EVENT_STREAM_CONTENT_TYPE, ...headers };
  if (!isPaced(plan) && plan.cutAfterChunks === undefined) {
    return new Response(Buffer.concat(events.map((event) => event.frame)), { headers: allHeaders });
  }
  return new Response(
    pacedStream(events, plan, (event) => event.frame),
    { headers: allHeaders },
  );
}
