// Reads Gemini recordings and hand-written fixtures for the adapter tests and replays a
// `.chunks.txt` as the SSE body Gemini sends (`data: …` events, CRLF blank lines).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";

export const RECORDINGS = join(import.meta.dir, "../fixtures/provider-recordings/google");
export const HAND_WRITTEN = join(import.meta.dir, "../fixtures/hand-written/google");

/** The top-level files of the recordings folder (interactions/ is another API). */
export function recordingFiles(): string[] {
  return readdirSync(RECORDINGS, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

export function readJson(folder: string, name: string): unknown {
  return JSON.parse(readFileSync(join(folder, name), "utf8"));
}

export function readChunks(folder: string, name: string): Array<Record<string, unknown>> {
  return readFileSync(join(folder, name), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The SSE body, cut into pieces of `pieceSize` bytes to exercise framing across reads. */
export function sseBody(chunks: unknown[], pieceSize = 0): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(
    chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join(""),
  );
  const size = pieceSize > 0 ? pieceSize : bytes.length;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

export async function replayStream(
  folder: string,
  name: string,
  pieceSize = 0,
): Promise<CanonicalStreamEvent[]> {
  const events: CanonicalStreamEvent[] = [];
  for await (const event of googleAdapter.parseStream(sseBody(readChunks(folder, name), pieceSize)))
    events.push(event);
  return events;
}

export function ofType<T extends CanonicalStreamEvent["type"]>(
  events: CanonicalStreamEvent[],
  type: T,
): Array<Extract<CanonicalStreamEvent, { type: T }>> {
  return events.filter(
    (event): event is Extract<CanonicalStreamEvent, { type: T }> => event.type === type,
  );
}
