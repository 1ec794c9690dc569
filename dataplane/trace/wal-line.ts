// One line of the trace write-ahead log (wal-emitter.ts). Version 2, written now:
// `{"v":2,"trace":{…},"row":{…}}`, the request-log row without its `trace` column and the trace
// beside it as raw JSON. Version 1 was the row itself, whose `trace` column is the trace as a
// JSON string: serializing that row escaped the whole trace a second time, the largest single
// cost of a request at 1k req/s (bench/overhead). Readers take both, so a log left by an older
// node is still shipped after an upgrade.
import type { RequestLogRow } from "#shared/traces/request-log.ts";

export const WAL_LINE_VERSION = 2;

export function encodeWalLine(row: RequestLogRow): string {
  const trace = row.trace;
  // Left out of the row's own JSON for the moment (undefined fields are skipped), not copied:
  // a copy of ~50 fields per request would cost what this saves.
  const mutable = row as { trace: string | undefined };
  mutable.trace = undefined;
  try {
    return `{"v":${WAL_LINE_VERSION},"trace":${trace},"row":${JSON.stringify(row)}}`;
  } finally {
    mutable.trace = trace;
  }
}

/** The row of a line, either version; null for a line that is not one (a torn write). */
export function decodeWalLine(line: string): RequestLogRow | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const record = parsed as Record<string, unknown>;
  if (record.v === WAL_LINE_VERSION) {
    if (typeof record.row !== "object" || record.row === null) return null;
    return { ...(record.row as RequestLogRow), trace: JSON.stringify(record.trace) };
  }
  // Version 1: the row itself.
  return typeof record.request_id === "string" ? (record as unknown as RequestLogRow) : null;
}
