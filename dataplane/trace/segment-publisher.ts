// A sealed segment of a trace write-ahead log handed to the bus as it is on disk (wal-emitter.ts):
// read off the event loop one message at a time (at most the bus's message size, cut after the
// last whole line), the same messages as the whole segment cut by the bus, without the whole
// segment in memory at once (a segment is a quarter second of rows: megabytes at saturation,
// held until the consumer acks them on the in-process bus).
import { type Bus, TraceRecordsTooLargeError } from "#shared/bus/bus.ts";

const NEWLINE = 0x0a;

/**
 * Publishes the segment at `path`; returns its size. Rows the bus refuses as larger than a
 * message go to `onOversized` (the bus will never take them, and the rest of their message is
 * stored: retrying would block every segment behind this one); anything else throws.
 */
export async function publishSegment(
  bus: Bus,
  path: string,
  onOversized: (refused: TraceRecordsTooLargeError["refused"], maxBytes: number) => void,
): Promise<number> {
  const file = Bun.file(path);
  const size = file.size;
  const max = bus.maxTraceBytes();
  let start = 0;
  while (start < size) {
    let bytes = await file.slice(start, Math.min(size, start + max)).bytes();
    let end = bytes.lastIndexOf(NEWLINE) + 1;
    if (end === 0) {
      // A torn last line (a crash mid-write): nothing more to send.
      if (start + bytes.byteLength >= size) break;
      // A line longer than a message: the rest of the segment at once, for the bus to set it
      // apart (refused as too large) and take the lines after it.
      bytes = await file.slice(start).bytes();
      end = bytes.byteLength;
    }
    try {
      await bus.publishTraceLines(end === bytes.byteLength ? bytes : bytes.subarray(0, end));
    } catch (error) {
      if (!(error instanceof TraceRecordsTooLargeError)) throw error;
      onOversized(error.refused, bus.maxTraceBytes());
    }
    start += end;
  }
  return size;
}
