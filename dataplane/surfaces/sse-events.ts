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

  /** The buffer last scanned for CR, and whether it has any: checked once per buffer. */
  private scannedData: Uint8Array | null = null;
  private scannedHasCR = false;

  /** The end of the next complete event, or -1 when more bytes are needed. */
  next(data: Uint8Array): number {
    if (data !== this.scannedData) {
      this.scannedData = data;
      this.scannedHasCR = data.indexOf(CR) !== -1;
    }
    return this.afterCR || this.scannedHasCR ? this.nextAnyEnding(data) : this.nextLf(data);
  }

  /**
   * LF-only framing (what providers send): the blank line is found with native searches for LF
   * instead of a loop over every byte in JS, which showed in streamed profiles (bench/overhead).
   */
  private nextLf(data: Uint8Array): number {
    const start = this.position;
    if (start >= data.length) return -1;
    if (this.atLineStart && data[start] === LF) {
      this.position = start + 1;
      return this.position;
    }
    for (let at = data.indexOf(LF, start); at !== -1 && at + 1 < data.length; ) {
      if (data[at + 1] === LF) {
        this.atLineStart = true;
        this.position = at + 2;
        return this.position;
      }
      at = data.indexOf(LF, at + 1);
    }
    // No blank line yet. A trailing LF ended a line (a blank one would have been found above).
    this.atLineStart = data[data.length - 1] === LF;
    this.position = data.length;
    return -1;
  }

  /** Any line ending (LF, CRLF, CR), byte by byte. */
  private nextAnyEnding(data: Uint8Array): number {
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

/**
 * The chunk as a Buffer, with no copy and no view: its prototype is switched to Buffer's. A view
 * (`Buffer.from(chunk.buffer, …)`) or a `subarray` of a chunk fresh from a socket makes the engine
 * give the chunk an ArrayBuffer of its own first (an allocation and a copy, ~1 µs a chunk,
 * bench/overhead); a Buffer's own searches need none. The chunk is the stream's to hand on (a
 * reader's chunk belongs to its reader); as a Buffer it is still the same Uint8Array.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  Object.setPrototypeOf(bytes, Buffer.prototype);
  return bytes as Buffer;
}

/** `bytes[start, end)`: the chunk itself when that is all of it (no view made). */
export function piece(bytes: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
}

export function concat(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const joined = new Uint8Array(head.length + tail.length);
  joined.set(head, 0);
  joined.set(tail, head.length);
  return joined;
}

/**
 * A stateful rewrite of a byte stream, chunk by chunk: what a surface's fast path does to the
 * upstream's SSE (read usage, drop a chunk). `emit` forwards bytes at once. The pipeline applies
 * it inside its own stream guard (one stream layer per response); `transformChunks` makes a
 * stream of it for everyone else.
 */
export interface ChunkTransform {
  /**
   * A promise when the transform must wait before it forwards the rest (Responses stores the
   * finished response before its last event); awaited before the next chunk is read.
   */
  transform(chunk: Uint8Array, emit: (bytes: Uint8Array) => void): void | Promise<void>;
  /** The upstream ended: whatever is still held back. */
  flush(emit: (bytes: Uint8Array) => void): void;
}

/**
 * `upstream.pipeThrough(new TransformStream(...))`, pull-based: one read of the upstream per
 * chunk handed on, without the pipe machinery. Each upstream chunk is transformed and forwarded
 * as soon as it arrives; upstream errors and downstream cancels pass through as with pipeThrough.
 */
export function transformChunks(
  upstream: ReadableStream<Uint8Array>,
  chunks: ChunkTransform,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let produced = false;
      const emit = (bytes: Uint8Array) => {
        produced = true;
        controller.enqueue(bytes);
      };
      // A chunk holding only part of an event yields nothing: read on until something can go.
      while (!produced) {
        const { done, value } = await reader.read();
        if (done) {
          chunks.flush(emit);
          controller.close();
          return;
        }
        const waiting = chunks.transform(value, emit);
        if (waiting) await waiting;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
