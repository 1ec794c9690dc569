// Once a stream has started, an upstream failure cannot become an HTTP error any more: the
// stream ends with an error event in the caller's shape instead of a silent cut (DESIGN §4).
//
// The response body is a Bun "direct" stream: each upstream chunk is written straight into the
// response and flushed at once (never buffered), and the fast path's rewrite (`chunks`) runs in
// the same layer. Two queued ReadableStream layers per response cost a fifth of the CPU of a
// streamed request and stalled the event loop for tens of ms at 25k chunks/s (bench/overhead).
// A translated stream's bytes are pulled from its renderer's source (event-stream.ts), not read
// through the renderer's ReadableStream: one queue and promise hop less per event.
// An upstream body from the data plane's own client (upstream-client.ts) is not read at all: its
// chunks are handed over from the socket's data callback, transformed, written and flushed there,
// with no promise per chunk; the socket is paused while the client's side pushes back.
import { type ChunkSource, chunkSourceOf } from "../surfaces/event-stream.ts";
import type { ChunkTransform } from "../surfaces/sse-events.ts";
import { type PushBody, pushBodyOf } from "./upstream-client.ts";

export function guardStream(
  source: ReadableStream<Uint8Array>,
  errorEvent: (message: string) => Uint8Array,
  onEnd?: (outcome: "complete" | "failed" | "cancelled") => void,
  /** Bytes sent after the upstream's last, when it completed (the `mlx:trace` event). */
  trailer?: () => Uint8Array,
  /** Applied to every upstream chunk before it is written (the same-shape fast path). */
  chunks?: ChunkTransform,
): ReadableStream<Uint8Array> {
  let ended = false;
  const end = (outcome: "complete" | "failed" | "cancelled") => {
    if (ended) return;
    ended = true;
    onEnd?.(outcome);
  };
  const pushed = pushBodyOf(source);
  if (pushed) return pushedStream(pushed, errorEvent, end, () => ended, trailer, chunks);
  // A rendered stream (the translated path) is pulled from its source, not through its queue.
  const rendered = chunkSourceOf(source);
  const reader = rendered ? null : source.getReader();
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

/** A direct stream fed from the socket's callbacks (see the header). */
function pushedStream(
  body: PushBody,
  errorEvent: (message: string) => Uint8Array,
  end: (outcome: "complete" | "failed" | "cancelled") => void,
  isEnded: () => boolean,
  trailer: (() => Uint8Array) | undefined,
  chunks: ChunkTransform | undefined,
): ReadableStream<Uint8Array> {
  // Ends the pull when the client cancels (nothing else will, the body being dropped).
  let settle = () => {};
  return new ReadableStream<Uint8Array>({
    type: "direct",
    pull(controller) {
      const write = (bytes: Uint8Array) => void controller.write(bytes);
      return new Promise<void>((resolve) => {
        settle = resolve;
        // Chunks that arrive while a transform or the client's side is waiting, in order.
        const queue: Uint8Array[] = [];
        let busy = false;
        let last: "end" | { failed: unknown } | null = null;
        const finish = () => {
          if (isEnded()) return resolve();
          if (last === "end") {
            try {
              chunks?.flush(write);
              if (trailer) write(trailer());
            } catch {
              // The client went away while the last bytes were written.
            }
            controller.close();
            end("complete");
          } else {
            write(errorEvent("the upstream stream was interrupted"));
            controller.close();
            end("failed");
          }
          resolve();
        };
        const waitFor = (waiting: PromiseLike<unknown>) => {
          busy = true;
          body.pause();
          waiting.then(
            () => {
              busy = false;
              body.resume();
              drain();
            },
            () => {
              // The client's side is gone: the guard's cancel ends it.
              busy = false;
              queue.length = 0;
            },
          );
        };
        const forward = (bytes: Uint8Array) => {
          if (chunks) {
            const waiting = chunks.transform(bytes, write);
            if (waiting) {
              // Flushed once the transform is done (Responses stores before its last event).
              waitFor(waiting.then(() => flushed()));
              return;
            }
          } else write(bytes);
          const pending = flushed();
          if (pending) waitFor(pending);
        };
        const flushed = (): PromiseLike<unknown> | undefined => {
          const result = controller.flush();
          return typeof result === "number" ? undefined : result;
        };
        const drain = () => {
          while (!busy && queue.length > 0) forward(queue.shift() as Uint8Array);
          if (!busy && last !== null) finish();
        };
        const attached = body.attach({
          data(bytes) {
            if (isEnded()) return;
            if (busy) queue.push(bytes);
            else forward(bytes);
          },
          end() {
            last = "end";
            drain();
          },
          error(reason) {
            last = { failed: reason };
            drain();
          },
        });
        if (!attached) {
          write(errorEvent("the upstream stream was interrupted"));
          controller.close();
          end("failed");
          resolve();
        }
      });
    },
    cancel() {
      end("cancelled");
      body.cancel();
      settle();
    },
  });
}
