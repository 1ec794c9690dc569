// The lines of a JSONL stream (a batch's input, output or results), one at a time as the bytes
// arrive: memory holds one line, never the file. Blank lines are skipped; a line longer than
// `maxLineChars` stops the read with an error naming it.
export async function* jsonlLines(
  body: ReadableStream<Uint8Array>,
  maxLineChars = 64 * 1024 * 1024,
): AsyncGenerator<string> {
  let pending = "";
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        pending += decoder.decode();
        break;
      }
      pending += decoder.decode(value, { stream: true });
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== "") yield line;
        newline = pending.indexOf("\n");
      }
      if (pending.length > maxLineChars) throw new LineTooLongError(maxLineChars);
    }
    const last = pending.trim();
    if (last !== "") yield last;
  } finally {
    reader.cancel().catch(() => {});
  }
}

export class LineTooLongError extends Error {
  override name = "LineTooLongError";
  constructor(readonly maxChars: number) {
    super(`a line longer than ${maxChars} characters`);
  }
}

/** A line parsed as a JSON object, or null. */
export function parseObjectLine(line: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
