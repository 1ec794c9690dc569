// Request logs from the warehouse: query-string filters to the warehouse's, the keyset cursor,
// the views, and exports as files.
import type * as v from "valibot";
import { invalidField, ManagementError, notFound } from "../../api/errors.ts";
import type { FileResult } from "../../api/file-result.ts";
import type { ManagementServices, Page } from "../../api/operation.ts";
import { DEFAULT_PAGE_SIZE } from "../../api/schemas.ts";
import type {
  ExportFormat,
  LogCursor,
  LogFilters,
  Row,
  TagPair,
  WarehouseQuery,
} from "../../warehouse/query.ts";
import type {
  exportLogsQuery,
  listLogsQuery,
  logDetailView,
  logFilterEntries,
  logSummaryView,
  logTraceView,
} from "./model.ts";
import { tagPairsOf } from "./model.ts";

type FilterQuery = {
  [name in keyof typeof logFilterEntries]?: v.InferOutput<(typeof logFilterEntries)[name]>;
};
type LogSummary = v.InferInput<typeof logSummaryView>;

export function warehouseOf(services: ManagementServices): WarehouseQuery {
  if (!services.warehouse) {
    throw new ManagementError("unavailable", "this control plane has no request-log warehouse");
  }
  return services.warehouse;
}

/** `team=ml,env=prod` or `{"team":"ml"}` → pairs; the schema has checked the shape. */
export function parseTags(text: string | undefined): TagPair[] | null {
  if (!text) return null;
  return tagPairsOf(text);
}

/** `status` (modelux.ai's filter): a class like status_class, or one exact status. */
function statusFilters(query: FilterQuery): { status_class: number | null; status: number | null } {
  const classOf = (text: string) => Number(text[0]);
  if (query.status !== undefined && query.status_class !== undefined) {
    throw invalidField("query.status", "is another name for status_class: send one of them");
  }
  if (query.status?.endsWith("xx")) return { status_class: classOf(query.status), status: null };
  if (query.status !== undefined) return { status_class: null, status: Number(query.status) };
  return { status_class: query.status_class ? classOf(query.status_class) : null, status: null };
}

export function logFilters(query: FilterQuery): LogFilters {
  const start = query.start ? new Date(query.start) : null;
  const end = query.end ? new Date(query.end) : null;
  if (start && end && end <= start) throw invalidField("query.end", "must be after start");
  return {
    project_id: query.project_id ?? null,
    start,
    end,
    ...statusFilters(query),
    trace_id: query.trace_id ?? null,
    conversation_id: query.conversation_id ?? null,
    // `@default` and `default` name the same config.
    route: query.route?.replace(/^@/, "") ?? null,
    model: query.model ?? null,
    provider: query.provider ?? null,
    end_user: query.end_user ?? null,
    tag_pairs: parseTags(query.tags),
    min_latency_ms: query.min_latency_ms ?? null,
  };
}

/** The cursor names the last row of a page: its time to the microsecond and its id. */
export function encodeCursor(row: Row): string {
  return Buffer.from(`${row.created_at_us}/${row.request_id}`).toString("base64url");
}

function decodeCursor(cursor: string | undefined): LogCursor | null {
  if (!cursor) return null;
  const match = /^(\d{1,17})\/(.+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw invalidField("query.cursor", "not a cursor this API returned");
  return { created_at_us: Number(match[1]), request_id: match[2] as string };
}

/** The warehouse's row as the API shows it; the operation checks it against the view. */
export function viewLogSummary(row: Row): LogSummary {
  const { created_at_us: _cursor, ...rest } = row;
  return {
    ...(rest as LogSummary),
    // Absent from an hour whose files all predate the columns (log_get.sql reads `*`).
    provider_key_fingerprint: (row.provider_key_fingerprint as string | null | undefined) ?? null,
    provider_key_hash: (row.provider_key_hash as string | null | undefined) ?? null,
    batch_id: (row.batch_id as string | null | undefined) ?? null,
    client_request_id: (row.client_request_id as string | null | undefined) ?? null,
    cache_saved_usd: (row.cache_saved_usd as number | null | undefined) ?? null,
    cache_similarity: (row.cache_similarity as number | null | undefined) ?? null,
  };
}

export function viewLogDetail(row: Row): v.InferInput<typeof logDetailView> {
  return {
    ...viewLogSummary(row),
    budgets: parseJson(row.budgets, []) as unknown[],
    request: {
      input_tokens: row.req_input_tokens as number,
      has_tools: row.req_has_tools as boolean,
      has_images: row.req_has_images as boolean,
      wants_json: row.req_wants_json as boolean,
      max_tokens: row.req_max_tokens as number | null,
      temperature: row.req_temperature as number | null,
    },
    prompt: row.prompt as string | null,
    response: row.response as string | null,
    // NULL in files written before the column existed: nothing was cut then either.
    truncated: row.truncated === true,
  };
}

export function viewLogTrace(row: Row): v.InferInput<typeof logTraceView> {
  // Stored text is read leniently: a trace that does not parse is shown as it is.
  const trace = parseJson(row.trace, null);
  return {
    request_id: row.request_id as string,
    created_at: row.created_at as string,
    trace:
      trace && typeof trace === "object" && !Array.isArray(trace)
        ? (trace as Record<string, unknown>)
        : { unparsed: row.trace },
  };
}

function parseJson(text: unknown, fallback: unknown): unknown {
  if (typeof text !== "string") return fallback;
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

export async function listLogs(
  warehouse: WarehouseQuery,
  orgId: string,
  query: v.InferOutput<typeof listLogsQuery>,
): Promise<Page<LogSummary>> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const rows = await warehouse.logs(orgId, logFilters(query), {
    cursor: decodeCursor(query.cursor),
    limit: limit + 1,
  });
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    data: kept.map(viewLogSummary),
    next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

export async function getLog(
  warehouse: WarehouseQuery,
  orgId: string,
  requestId: string,
  createdAt: string | undefined,
): Promise<Row> {
  const row = await warehouse.log(orgId, requestId, createdAt ? new Date(createdAt) : null);
  if (!row) throw notFound("log", requestId);
  return row;
}

const EXPORT_TYPES: Record<ExportFormat, { content_type: string; binary: boolean }> = {
  csv: { content_type: "text/csv; charset=utf-8", binary: false },
  jsonl: { content_type: "application/x-ndjson", binary: false },
  parquet: { content_type: "application/vnd.apache.parquet", binary: true },
};
export const EXPORT_CONTENT_TYPES = Object.values(EXPORT_TYPES).map((type) => type.content_type);

export async function exportLogs(
  warehouse: WarehouseQuery,
  orgId: string,
  query: v.InferOutput<typeof exportLogsQuery>,
): Promise<FileResult> {
  const file = await warehouse.exportSlice(orgId, logFilters(query), query.format);
  if (!file) {
    throw new ManagementError(
      "unprocessable",
      `more than ${warehouse.exportMaxRows} requests match; narrow start, end or the filters`,
    );
  }
  const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "-");
  return {
    path: file.path,
    filename: `modelux-logs-${stamp}.${query.format}`,
    ...EXPORT_TYPES[query.format],
    rows: file.rows,
    bytes: file.bytes,
  };
}
