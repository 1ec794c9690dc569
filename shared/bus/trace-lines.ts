// Trace rows encoded once (DESIGN §8): the data plane builds each request's row, checks it and
// serializes it as one line of NDJSON; the write-ahead log stores those lines, the bus carries
// them as they are (many rows in one message), and only a reader that needs the columns parses
// one. A line is
//
//   {"v":3,"n":<length of the trace JSON>,"trace":<the decision trace, JSON>,"row":<the row>}
//
// the request-log row without its `trace` column and the trace beside it as raw JSON, its length
// (UTF-16 code units) up front so a reader slices the column out instead of parsing and
// re-serializing it. Readers also take the two earlier forms: `{"v":2,"trace":…,"row":…}` (the
// same without the length) and a record's own JSON (a log or a message from an older node).
import type { TraceRecord } from "./envelopes.ts";

export const TRACE_LINE_VERSION = 3;

const NEWLINE = 0x0a;
const V3_PREFIX = `{"v":${TRACE_LINE_VERSION},"n":`;
const TRACE_KEY = ',"trace":';
const ROW_KEY = ',"row":';
/** What a writer puts in created_at: ISO 8601 in UTC. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
/** What a reader takes (as the bus's schema always did): any ISO 8601 offset. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The line (without its newline) for a record whose `trace` column is the decision trace's
 * JSON. Strict, as every bus writer is: throws naming the field when the record could not be
 * read back (the checks the bus made on every record before, made once here).
 */
export function encodeTraceLine(record: TraceRecord & { trace: string }): string {
  checkRecord(record);
  const trace = record.trace;
  // Left out of the row's own JSON for the moment (undefined fields are skipped), not copied:
  // a copy of ~50 fields per request would cost what this saves.
  const mutable = record as { trace: string | undefined };
  mutable.trace = undefined;
  try {
    return `${V3_PREFIX}${trace.length}${TRACE_KEY}${trace}${ROW_KEY}${JSON.stringify(record)}}`;
  } finally {
    mutable.trace = trace;
  }
}

/**
 * encodeTraceLine's line as the pieces it is made of (the head with the trace's length, the
 * trace's JSON, the row's key, the row's JSON, the closing brace), for a writer that copies them
 * into its own buffer: joined, they are the line, without the joined string ever being made.
 */
export function encodeTraceLineParts(
  record: TraceRecord & { trace: string },
): [string, string, string, string, string] {
  checkRecord(record);
  const trace = record.trace;
  const mutable = record as { trace: string | undefined };
  mutable.trace = undefined;
  try {
    return [`${V3_PREFIX}${trace.length}${TRACE_KEY}`, trace, ROW_KEY, JSON.stringify(record), "}"];
  } finally {
    mutable.trace = trace;
  }
}

function checkRecord(record: TraceRecord & { trace: unknown }): void {
  for (const field of ["request_id", "project_id", "org_id"] as const) {
    if (typeof record[field] !== "string" || record[field] === "")
      throw new TypeError(`invalid trace record at ${field}: a non-empty string is required`);
  }
  if (typeof record.created_at !== "string" || !ISO_UTC.test(record.created_at))
    throw new TypeError("invalid trace record at created_at: an ISO 8601 UTC time is required");
  if (typeof record.trace !== "string" || record.trace === "")
    throw new TypeError("invalid trace record at trace: the trace's JSON is required");
}

/** The record of a line, any version; null for a line that is not one (a torn write, garbage). */
export function decodeTraceLine(line: string): TraceRecord | null {
  if (line.startsWith(V3_PREFIX)) return decodeV3(line);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const record = parsed as Record<string, unknown>;
  if (record.v === 2) {
    if (typeof record.row !== "object" || record.row === null) return null;
    return usable({ ...(record.row as TraceRecord), trace: JSON.stringify(record.trace) });
  }
  // A record's own JSON (version 1 of the log; one record per message from older nodes).
  return usable(record as TraceRecord);
}

function decodeV3(line: string): TraceRecord | null {
  const lengthEnd = line.indexOf(",", V3_PREFIX.length);
  const length = Number(line.slice(V3_PREFIX.length, lengthEnd));
  if (lengthEnd < 0 || !Number.isInteger(length) || length < 0) return null;
  if (!line.startsWith(TRACE_KEY, lengthEnd)) return null;
  const traceStart = lengthEnd + TRACE_KEY.length;
  const traceEnd = traceStart + length;
  if (!line.startsWith(ROW_KEY, traceEnd) || line.charCodeAt(line.length - 1) !== 0x7d) return null;
  let row: unknown;
  try {
    row = JSON.parse(line.slice(traceEnd + ROW_KEY.length, -1));
  } catch {
    return null;
  }
  if (typeof row !== "object" || row === null || Array.isArray(row)) return null;
  (row as Record<string, unknown>).trace = line.slice(traceStart, traceEnd);
  return usable(row as TraceRecord);
}

/**
 * Readers are lenient (DESIGN §8: unknown fields kept, nothing re-validated deeply), but a line
 * without the fields every record has (traceRecordSchema's) is no record: a foreign message.
 * (What a consumer cannot store, such as an empty request id, is for the consumer to judge.)
 */
function usable(record: TraceRecord): TraceRecord | null {
  return typeof record.request_id === "string" &&
    typeof record.project_id === "string" &&
    typeof record.org_id === "string" &&
    typeof record.created_at === "string" &&
    ISO_TIME.test(record.created_at)
    ? record
    : null;
}

const decoder = new TextDecoder();

/** Every record in NDJSON bytes, in order; lines that are not records are counted, not returned. */
export function decodeTraceLines(bytes: Uint8Array): { records: TraceRecord[]; unusable: number } {
  const records: TraceRecord[] = [];
  let unusable = 0;
  for (const line of decoder.decode(bytes).split("\n")) {
    if (line === "") continue;
    const record = decodeTraceLine(line);
    if (record === null) unusable += 1;
    else records.push(record);
  }
  return { records, unusable };
}

/** NDJSON cut into messages of at most `maxBytes`, and the lines too long for any message. */
export interface TraceLineChunks {
  /** Whole lines, each ending in a newline, in order. */
  messages: Uint8Array[];
  /** Single lines (without their newline) longer than `maxBytes`. */
  oversized: Uint8Array[];
}

/**
 * Cuts `bytes` at line ends into as few messages of at most `maxBytes` as the lines allow,
 * without copying (each is a view of `bytes`). Bytes after the last newline (a write torn by a
 * crash) are left out. The same bytes and limit always give the same messages, so a resend
 * after a crash repeats the messages exactly and the bus can recognise them.
 */
export function chunkTraceLines(bytes: Uint8Array, maxBytes: number): TraceLineChunks {
  const messages: Uint8Array[] = [];
  const oversized: Uint8Array[] = [];
  const end = bytes.lastIndexOf(NEWLINE) + 1;
  let start = 0;
  while (start < end) {
    if (end - start <= maxBytes) {
      messages.push(bytes.subarray(start, end));
      break;
    }
    // The last line end that keeps the message within maxBytes.
    const cut = bytes.lastIndexOf(NEWLINE, start + maxBytes - 1);
    if (cut >= start) {
      messages.push(bytes.subarray(start, cut + 1));
      start = cut + 1;
      continue;
    }
    // The next line alone is longer than a message.
    const lineEnd = bytes.indexOf(NEWLINE, start);
    oversized.push(bytes.subarray(start, lineEnd));
    start = lineEnd + 1;
  }
  return { messages, oversized };
}

/**
 * An id for a message of trace lines, the same for the same message: the bus stores a resent
 * message once within its duplicate window. Made of hashes of its first and last lines and its
 * length, not of all its bytes (hashing a whole segment showed in profiles): each line holds a
 * request id no other line anywhere has, so two different messages share an id only if two
 * 64-bit hashes collide at once.
 */
export function traceLinesMessageId(message: Uint8Array): string {
  const length = message.byteLength;
  const firstEnd = message.indexOf(NEWLINE);
  const first = message.subarray(0, firstEnd < 0 ? length : firstEnd);
  const lastStart = message.lastIndexOf(NEWLINE, length - 2) + 1;
  const last = message.subarray(lastStart);
  return `lines-${Bun.hash.wyhash(first).toString(36)}-${Bun.hash.wyhash(last).toString(36)}-${length}`;
}

/** The request id of an oversized line, for the refusal that names it ("" when unreadable). */
export function requestIdOfLine(line: Uint8Array): string {
  const text = decoder.decode(line);
  const match = /"request_id":"((?:[^"\\]|\\.)*)"/.exec(text);
  if (match?.[1] !== undefined) {
    try {
      return JSON.parse(`"${match[1]}"`) as string;
    } catch {
      return match[1];
    }
  }
  return "";
}
