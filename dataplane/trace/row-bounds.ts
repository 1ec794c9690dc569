// Bounds on a request-log row, so that every row fits in one bus message: the bus refuses a
// message over its max_payload (NATS: 1 MiB by default), and a refused row would otherwise be
// retried forever. Client strings are cut to MAX_CLIENT_CHARS when the trace starts; here the
// row as a whole is fitted to a byte budget derived from the bus's limit, shrinking captured
// content first and the decision trace only if it alone is too large. A row that was cut says so
// in its `truncated` column.
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import { clipText } from "#shared/validation/client-text.ts";

/** Longest client string kept in a row (model, end user, ids, tag names and values). */
export const MAX_CLIENT_CHARS = 256;
/** Most tags kept (64 from the body and 64 from the header). */
export const MAX_ROW_TAGS = 128;
/** NATS's default max_payload, used while the bus has not said its own. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Longest routing explanation kept (it is built by the gateway, but may name models). */
const MAX_REASON_CHARS = 2048;
const CUT_MARK = "…[truncated]";
/** Bytes JSON can spend on one UTF-16 unit (`\u0000`), so `6 × length` bounds any string. */
const MAX_BYTES_PER_UNIT = 6;
/** Everything in a row but its big strings: numbers, flags, ids, names, the JSON around them. */
const FIXED_FIELDS_BOUND = 8 * 1024;

/**
 * The largest row to write for a bus whose messages may hold `maxPayloadBytes`: the rest is
 * headroom for the message's headers (the request id for deduplication) and envelope.
 */
export function rowBudgetFor(maxPayloadBytes: number): number {
  return maxPayloadBytes - Math.max(4096, Math.floor(maxPayloadBytes / 16));
}

/** A client's string as a row keeps it; `onCut` is told when it was shortened. */
export function boundClientText(value: string, onCut: () => void): string {
  if (value.length <= MAX_CLIENT_CHARS) return value;
  onCut();
  return clipText(value, MAX_CLIENT_CHARS);
}

/** Tags as a row keeps them: at most MAX_ROW_TAGS, names and values cut. */
export function boundTags(tags: Record<string, string>, onCut: () => void): Record<string, string> {
  const names = Object.keys(tags);
  let within = names.length <= MAX_ROW_TAGS;
  for (let index = 0; within && index < names.length; index++) {
    const name = names[index] as string;
    within = name.length <= MAX_CLIENT_CHARS && (tags[name] as string).length <= MAX_CLIENT_CHARS;
  }
  if (within) return tags;
  onCut();
  const bounded: Record<string, string> = {};
  for (const name of names.slice(0, MAX_ROW_TAGS))
    bounded[clipText(name, MAX_CLIENT_CHARS)] = clipText(tags[name] as string, MAX_CLIENT_CHARS);
  return bounded;
}

/**
 * Shrinks `row` in place until its JSON is at most `budgetBytes`: captured prompt and response
 * first (cut, with a mark), then the trace (its candidates, attempts and warnings left out, then
 * all but its id). Sets `truncated` when anything was cut. Rows far under the budget (nearly all)
 * are judged by their string lengths alone, without serializing them.
 */
export function fitRow(row: RequestLogRow, budgetBytes: number): RequestLogRow {
  if (row.decision_reason.length > MAX_REASON_CHARS) {
    row.decision_reason = clipText(row.decision_reason, MAX_REASON_CHARS);
    row.truncated = true;
  }
  let tagUnits = 0;
  for (const name in row.tags) tagUnits += name.length + (row.tags[name] as string).length;
  const bigUnits =
    row.trace.length + (row.prompt?.length ?? 0) + (row.response?.length ?? 0) + tagUnits;
  if (bigUnits * MAX_BYTES_PER_UNIT + FIXED_FIELDS_BOUND <= budgetBytes) return row;

  const fixed = jsonBytes({ ...row, trace: "", prompt: null, response: null });
  let available = budgetBytes - fixed;
  let traceBytes = jsonBytes(row.trace);
  // The trace is what analytics and replay read: it keeps its place unless it alone is too big.
  if (traceBytes > available / 2) {
    row.trace = reducedTrace(row.trace, row.request_id, available / 2);
    traceBytes = jsonBytes(row.trace);
    row.truncated = true;
  }
  available -= traceBytes;
  const promptBytes = row.prompt === null ? 4 : jsonBytes(row.prompt);
  const responseBytes = row.response === null ? 4 : jsonBytes(row.response);
  if (promptBytes + responseBytes <= available) return row;
  row.truncated = true;
  // Each gets half, and what the other does not need.
  const half = Math.floor(available / 2);
  const promptShare = Math.max(half, available - responseBytes);
  const responseShare = Math.max(half, available - promptBytes);
  if (row.prompt !== null && promptBytes > promptShare)
    row.prompt = cutToJsonBytes(row.prompt, promptShare);
  if (row.response !== null && responseBytes > responseShare)
    row.response = cutToJsonBytes(row.response, responseShare);
  return row;
}

/** The trace without its per-candidate detail, or only its id when even that is too big. */
function reducedTrace(trace: string, requestId: string, budgetBytes: number): string {
  try {
    const parsed = JSON.parse(trace) as Record<string, unknown>;
    const reduced = JSON.stringify({
      ...parsed,
      candidates: [],
      attempts: [],
      warnings: [],
      error: undefined,
      truncated: true,
    });
    if (jsonBytes(reduced) <= budgetBytes) return reduced;
  } catch {
    // Not JSON (cannot happen for a trace this process built): the short form below.
  }
  return JSON.stringify({ request_id: requestId, truncated: true });
}

/** `text` cut (with a mark) so that its JSON string takes at most `budgetBytes`. */
export function cutToJsonBytes(text: string, budgetBytes: number): string {
  const room = budgetBytes - jsonBytes(CUT_MARK) - 2;
  if (room <= 0) return CUT_MARK;
  let keep = Math.min(text.length, room);
  for (let round = 0; ; round++) {
    const bytes = jsonBytes(text.slice(0, keep)) - 2;
    if (bytes <= room) break;
    // Scaled by the bytes a unit took in the part kept; after a few rounds the worst case, which
    // always fits.
    keep =
      round < 8 ? Math.floor((keep * room) / bytes) - 1 : Math.floor(room / MAX_BYTES_PER_UNIT);
    if (keep <= 0) return CUT_MARK;
  }
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  return `${text.slice(0, keep)}${CUT_MARK}`;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}
