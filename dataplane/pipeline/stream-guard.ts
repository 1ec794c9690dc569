// Once a stream has started, an upstream failure cannot become an HTTP error any more: the
// stream ends with an error event in the caller's shape instead of a silent cut (DESIGN §4).
//
// The response body is a Bun "direct" stream: each upstream chunk is written straight into the
// response and flushed at once (never buffered), and the fast path's rewrite (`chunks`) runs in
// the same layer. Two queued ReadableStream layers per response cost a fifth of the CPU of a
// streamed request and stalled the event loop for tens of ms at 25k chunks/s (bench/overhead).
// A translated stream's bytes are pulled from its renderer's source (event-stream.ts), not read
// through the renderer's ReadableStream: one queue and promise hop less per event.
import { type ChunkSource, chunkSourceOf } from "../surfaces/event-stream.ts";
import type { ChunkTransform } from "../surfaces/sse-events.ts";

export function guardStream(
  source: ReadableStream<Uint8Array>,
  errorEvent: (message: string) => Uint8Array,
  onEnd?: (outcome: "complete" | "failed" | "cancelled") => void,
  /** Bytes sent after the upstream's last, when it completed (the `mlx:trace` event). */
  trailer?: () => Uint8Array,
  /** Applied to every upstream chunk before it is written (the same-shape fast path). */
  chunks?: ChunkTransform,
): ReadableStream<Uint8Array> {
  // A rendered stream (the translated path) is pulled from its source, not through its queue.
  const rendered = chunkSourceOf(source);
  const reader = rendered ? null : source.getReader();
  let ended = false;
  const end = (outcome: "complete" | "failed" | "cancelled") => {
    if (ended) return;
    ended = true;
    onEnd?.(outcome);
  };
  return new ReadableStream<Uint8Array>({
    type: "direct",
    async pull(controller) {
      const write = (bytes: Uint8Array) => void controller.write(bytes);
      try {
        for (;;) {
          let value: Uint8Array;
          if (reader) {
            const next = await reader.read();
            if (next.done) break;
            value = next.value;
          } else {
            const next = await (rendered as ChunkSource).next();
            if (next === null) break;
            value = next;
          }
          if (chunks) {
            const waiting = chunks.transform(value, write);
            if (waiting) await waiting;
          } else write(value);
          // A number (the bytes sent) unless the socket pushes back: awaited only then, not a
          // turn of the microtask queue per chunk.
          const flushed = controller.flush();
          if (typeof flushed !== "number") await flushed;
        }
        chunks?.flush(write);
      } catch {
        // Cancelled by the client: nothing is listening any more.
        if (ended) return;
        // The cause (a reset socket, a truncated frame) says nothing useful to the client.
        write(errorEvent("the upstream stream was interrupted"));
        controller.close();
        end("failed");
        return;
      }
      if (ended) return;
      if (trailer) write(trailer());
      controller.close();
      end("complete");
    },
    cancel(reason) {
      end("cancelled");
      (reader ? reader.cancel(reason) : (rendered as ChunkSource).cancel()).catch(() => {});
    },
  });
}
