// A multipart upload of a batch JSONL file (purpose "batch", file big.jsonl) of `bytes` bytes,
// generated chunk by chunk so it is never whole in the sender's memory either.

/** `nextChunk(remaining)` gives the next piece of the file, at most about `remaining` bytes. */
export function multipartJsonl(
  boundary: string,
  bytes: number,
  nextChunk: (remaining: number) => Uint8Array,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  let sent = 0;
  let stage = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stage === 0) {
        stage = 1;
        controller.enqueue(head);
      } else if (sent < bytes) {
        const part = nextChunk(bytes - sent);
        sent += part.length;
        controller.enqueue(part);
      } else if (stage === 1) {
        stage = 2;
        controller.enqueue(tail);
      } else controller.close();
    },
  });
}
