// Once a stream has started, an upstream failure cannot become an HTTP error any more: the
// stream ends with an error event in the caller's shape instead of a silent cut (DESIGN §4).
export function guardStream(
  source: ReadableStream<Uint8Array>,
  errorEvent: (message: string) => Uint8Array,
  onEnd?: (outcome: "complete" | "failed" | "cancelled") => void,
  /** Bytes sent after the upstream's last, when it completed (the `mlx:trace` event). */
  trailer?: () => Uint8Array,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          if (trailer) controller.enqueue(trailer());
          controller.close();
          onEnd?.("complete");
          return;
        }
        controller.enqueue(value);
      } catch {
        // The cause (a reset socket, a truncated frame) says nothing useful to the client.
        controller.enqueue(errorEvent("the upstream stream was interrupted"));
        controller.close();
        onEnd?.("failed");
      }
    },
    async cancel(reason) {
      onEnd?.("cancelled");
      await reader.cancel(reason).catch(() => {});
    },
  });
}
