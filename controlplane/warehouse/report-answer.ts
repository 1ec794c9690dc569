// The analytics report's answer as query.ts returns it: analytics_report.sql's (or
// analytics_report_rows.sql's) rows split into the series, the other group's rows and the totals.
import type { DuckDBMaterializedResult, DuckDBTimestampValue } from "@duckdb/node-api";
import type { Row } from "./named-queries.ts";
import type { Report, ReportJson } from "./query-types.ts";

/** A report point's measures, in the order every point object is built with. */
const MEASURES = [
  "requests",
  "cost_usd",
  "input_tokens",
  "output_tokens",
  "errors",
  "cache_hits",
  "cache_hit_rate",
  "cache_saved_usd",
  "p50_latency_ms",
  "p95_latency_ms",
  "p99_latency_ms",
] as const;

/** The totals of a report that matched no request: no latency, every other measure 0. */
const EMPTY_TOTALS: Readonly<Row> = Object.fromEntries(
  MEASURES.map((name) => [name, name.endsWith("_latency_ms") ? null : 0]),
);
const EMPTY_TOTALS_JSON = JSON.stringify(EMPTY_TOTALS);

/**
 * The series, the other group's rows and the totals (all zero when nothing matched), read column
 * by column and each point built at once in its final shape: a month by hour and end user is
 * ~70,000 points, which row objects converted value by value (`readRows`) and then reshaped took
 * ~0.25 s to read, this ~0.1 s (docs/warehouse.md). Counts are BIGINT in the SQL and numbers
 * here; a bucket is its ISO 8601 text, made once per distinct bucket.
 */
export function reportAnswer(result: DuckDBMaterializedResult): Omit<Report, "groups"> {
  const [totalsAt, bucketAt, otherAt, groupAt, ...measureAt] = columnsOf(result, [
    "is_totals",
    "bucket",
    "is_other",
    "group_value",
    ...MEASURES,
  ]) as [number, number, number, number, ...number[]];
  const buckets = new Map<bigint, string>();
  const series: Row[] = [];
  const other: Row[] = [];
  let totals: Row = { ...EMPTY_TOTALS };
  for (let index = 0; index < result.chunkCount; index++) {
    const chunk = result.getChunk(index);
    const isTotals = chunk.getColumnVector(totalsAt);
    const bucketOf = chunk.getColumnVector(bucketAt);
    const isOther = chunk.getColumnVector(otherAt);
    const groupOf = chunk.getColumnVector(groupAt);
    const measures = measureAt.map((at) => chunk.getColumnVector(at));
    /** The row's measures, added to `point` in MEASURES' order (one shape for every point). */
    const fill = (point: Row, row: number) => {
      for (let at = 0; at < MEASURES.length; at++) {
        point[MEASURES[at] as string] = number(measures[at]?.getItem(row));
      }
      return point;
    };
    for (let row = 0; row < chunk.rowCount; row++) {
      if (isTotals.getItem(row)) {
        totals = fill({}, row);
        continue;
      }
      const micros = (bucketOf.getItem(row) as DuckDBTimestampValue | null)?.micros ?? null;
      let bucket = micros === null ? null : (buckets.get(micros) ?? null);
      if (micros !== null && bucket === null) {
        bucket = new Date(Number(micros / 1000n)).toISOString();
        buckets.set(micros, bucket);
      }
      if (isOther.getItem(row)) other.push(fill({ bucket }, row));
      else series.push(fill({ bucket, group_value: groupOf.getItem(row) ?? null }, row));
    }
  }
  return { series, other, totals };
}

/** A BIGINT, HUGEINT or DOUBLE measure as a number (null stays null). */
function number(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "bigint") return Number(value);
  throw new Error(`a report measure of an unexpected type: ${String(value)}`);
}

/**
 * The answer of analytics_report_json.sql: the series and the other group's points as JSON
 * arrays' text and the totals as a JSON object's, each written by DuckDB in the API's shape
 * (docs/warehouse.md). A NaN or infinite measure, which JSON cannot carry, is refused.
 */
export function reportAnswerJson(result: DuckDBMaterializedResult): ReportJson {
  const [totalsAt, otherAt, pointsAt, finiteAt] = columnsOf(result, [
    "is_totals",
    "is_other",
    "points",
    "finite",
  ]) as [number, number, number, number];
  const answer: ReportJson = { series: "[]", other: "[]", totals: EMPTY_TOTALS_JSON };
  // One row per kind: the series, the other group's points, the totals.
  for (let index = 0; index < result.chunkCount; index++) {
    const chunk = result.getChunk(index);
    for (let row = 0; row < chunk.rowCount; row++) {
      if (chunk.getColumnVector(finiteAt).getItem(row) !== true) {
        throw new Error("a report measure is NaN or infinite");
      }
      const points = chunk.getColumnVector(pointsAt).getItem(row) as string;
      if (chunk.getColumnVector(totalsAt).getItem(row)) answer.totals = points;
      else if (chunk.getColumnVector(otherAt).getItem(row)) answer.other = `[${points}]`;
      else answer.series = `[${points}]`;
    }
  }
  return answer;
}

/** The places of the named columns in the result, each of which must be there. */
function columnsOf(result: DuckDBMaterializedResult, wanted: readonly string[]): number[] {
  const names = result.columnNames();
  return wanted.map((name) => {
    const index = names.indexOf(name);
    if (index < 0) throw new Error(`the report query returned no ${name} column`);
    return index;
  });
}
