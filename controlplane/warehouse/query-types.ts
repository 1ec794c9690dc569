// What the warehouse's read side offers the control plane (query.ts implements it over DuckDB):
// the filters and shapes of the logs, reports, served slices and exports, and the interface.
import type { Row, TagPair } from "./named-queries.ts";

export type ExportFormat = "csv" | "jsonl" | "parquet";

/** What narrows a slice of an org's logs; null or absent is no filter. */
export interface LogFilters {
  project_id?: string | null;
  /** Inclusive. */
  start?: Date | null;
  /** Exclusive. */
  end?: Date | null;
  /** 2, 4 or 5 for 2xx, 4xx, 5xx. */
  status_class?: number | null;
  model?: string | null;
  provider?: string | null;
  end_user?: string | null;
  tag_pairs?: TagPair[] | null;
  min_latency_ms?: number | null;
  /** An exact HTTP status. */
  status?: number | null;
  trace_id?: string | null;
  conversation_id?: string | null;
  /** The routing config (slug) the request resolved through. */
  route?: string | null;
}

export type AnalyticsFilters = Omit<
  LogFilters,
  "status_class" | "min_latency_ms" | "status" | "trace_id" | "conversation_id" | "route"
>;

export interface ReportShape {
  granularity: "hour" | "day";
  group_by: "model" | "provider" | "project" | "end_user" | "tag" | "provider_key" | "route" | null;
  tag_key: string | null;
}

/**
 * A cap on a grouped report's groups (group_limit, docs/warehouse.md): either rank the window's
 * groups by requests and keep the first `limit`, or keep exactly `keep` (the comparison window
 * keeps the groups of the report's own). The other groups are merged into one row per bucket.
 */
export type ReportCap = { limit: number } | { keep: Array<string | null> };

export interface Report {
  /** One row per bucket and kept group. */
  series: Row[];
  /** One row per bucket with requests outside the kept groups; none when nothing was merged. */
  other: Row[];
  totals: Row;
  /**
   * With a cap: the groups kept, most requests first, and (ranked by `limit`) how many groups
   * the window has, the NULL group counted.
   */
  groups: { kept: Array<string | null>; count: number | null } | null;
}

/**
 * A report as the analytics endpoint sends it (`reportJson`): the series and the other group's
 * points as JSON arrays' text, the totals as a JSON object's, each point `{bucket, group (not in
 * other), the measures}` as the API's schema names them, written by DuckDB from typed columns.
 */
export interface ReportJson {
  series: string;
  other: string;
  totals: string;
}

/** The requests one routing config version decided, in one project and window. */
export interface ServedSlice {
  project_id: string;
  config_slug: string;
  config_version: number;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
  end_user?: string | null;
  tag_pairs?: TagPair[] | null;
}

export interface LogCursor {
  created_at_us: number;
  request_id: string;
}

export interface ExportedFile {
  path: string;
  rows: number;
  bytes: number;
  /** Removes the file. */
  dispose(): Promise<void>;
}

export interface WarehouseQuery {
  /** Newest first; each row carries `created_at_us` for the next cursor. */
  logs(
    orgId: string,
    filters: LogFilters,
    page: { cursor: LogCursor | null; limit: number },
  ): Promise<Row[]>;
  /** One request with its trace, prompt and response; `near` is when it was made, if known. */
  log(orgId: string, requestId: string, near?: Date | null): Promise<Row | null>;
  /** Without `cap`, or without `group_by`, every group. */
  report(
    orgId: string,
    filters: AnalyticsFilters,
    shape: ReportShape,
    cap?: ReportCap,
  ): Promise<Report>;
  /** The same report, its points as the endpoint's JSON text (one string, not row objects). */
  reportJson(
    orgId: string,
    filters: AnalyticsFilters,
    shape: ReportShape,
    cap?: ReportCap,
  ): Promise<ReportJson & Pick<Report, "groups">>;
  decisions(
    orgId: string,
    filters: { project_id?: string | null; start: Date; end: Date; config_slug?: string | null },
  ): Promise<{ strategies: Row[]; variants: Row[] }>;
  /**
   * The requests of a gateway-run batch's lines among `clientRequestIds` (their X-Request-Id),
   * made since `since` (the batch's creation): how a restarted batch worker finds what a crashed
   * one had answered.
   */
  batchLineRequests(
    orgId: string,
    batch: { id: string; projectId: string; since: Date },
    clientRequestIds: string[],
  ): Promise<Row[]>;
  /**
   * What one routing config version served in a window: requests, cost, errors and the latency
   * quantiles of the successful ones (served_outcome.sql), for checking a promoted experiment's
   * prediction.
   */
  servedOutcome(orgId: string, slice: ServedSlice): Promise<Row>;
  /** The most rows one export holds. */
  readonly exportMaxRows: number;
  /** Null when the slice holds more than `exportMaxRows` rows: nothing is kept then. */
  exportSlice(
    orgId: string,
    filters: LogFilters,
    format: ExportFormat,
  ): Promise<ExportedFile | null>;
  close(): Promise<void>;
}

export interface WarehouseQueryOptions {
  /** The Parquet root (`MODELUX_TRACES_ROOT`): a directory, which may not exist yet, or s3://. */
  root: string;
  /** DuckDB threads; default every core, at most 8. */
  threads?: number;
  /** DuckDB's memory limit, e.g. "2GB"; default DuckDB's (80 % of RAM). */
  memoryLimit?: string;
  /** The most rows one export may hold; default 100,000. */
  exportMaxRows?: number;
}
