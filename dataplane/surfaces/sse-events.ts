// Server-sent events at the byte level, for the fast path's passthrough streams: where each event
// ends in a buffer that grows (LF, CRLF or CR line endings) and an event's joined `data:` lines.
const LF = 0x0a;
const CR = 0x0d;

/** The event's `data:` lines joined, as the SSE spec builds them. */
export function eventData(text: string): string {
  const lines: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (!line.startsWith("data:")) continue;
    lines.push(line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5));
  }
  return lines.join("\n");
}

/**
 * Finds where SSE events end (after a blank line; LF, CRLF or CR line endings) in a buffer that
 * grows at its end, keeping its place between calls.
 */
export class EventScanner {
  private position = 0;
  private atLineStart = true;
  private afterCR = false;

  /** The end of the next complete event, or -1 when more bytes are needed. */
  next(data: Uint8Array): number {
    for (let i = this.position; i < data.length; i++) {
      const byte = data[i];
      if (this.afterCR) {
        this.afterCR = false;
        if (byte === LF) continue;
      }
      if (byte !== LF && byte !== CR) {
        this.atLineStart = false;
        continue;
      }
      if (!this.atLineStart) {
        this.atLineStart = true;
        this.afterCR = byte === CR;
        continue;
      }
      // A blank line: the event ends after its line ending.
      if (byte === CR) {
        if (i + 1 >= data.length) {
          this.position = i; // Wait: the LF of a CRLF may be in the next chunk.
          return -1;
        }
        this.position = data[i + 1] === LF ? i + 2 : i + 1;
      } else {
        this.position = i + 1;
      }
      return this.position;
    }
    this.position = data.length;
    return -1;
  }

  /** The buffer now starts at `offset` of the old one. */
  rebase(offset: number): void {
    this.position -= offset;
  }
}

export function concat(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const joined = new Uint8Array(head.length + tail.length);
  joined.set(head, 0);
  joined.set(tail, head.length);
  return joined;
}
