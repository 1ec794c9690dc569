// The `data` of each server-sent event in a byte stream, in order. eventsource-parser does the
// framing (CRLF or LF, split lines, comments); stopping early cancels the upstream body.
import { createParser } from "eventsource-parser";

export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const pending: string[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event.data) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (pending.length > 0) yield pending.shift() as string;
    }
    finished = true;
    // A last event without its blank line is dispatched here, as a browser would not: Gemini
    // always ends its events, so this only rescues a proxy that trimmed the final newline.
    parser.feed(`${decoder.decode()}\n\n`);
    while (pending.length > 0) yield pending.shift() as string;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
