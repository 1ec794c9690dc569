// The analytics report (series per bucket and group, totals, the window before) and the routing
// decision summaries, computed by the warehouse's named queries.
import type * as v from "valibot";
import { EncodedJson } from "../../api/encoded-json.ts";
import { invalidField } from "../../api/errors.ts";
import type {
  AnalyticsFilters,
  ReportCap,
  ReportShape,
  Row,
  WarehouseQuery,
} from "../../warehouse/query.ts";
import { logFilters } from "../logs/service.ts";
import {
  DEFAULT_GROUP_LIMIT,
  type decisionsQuery,
  type decisionsView,
  MAX_BUCKETS,
  MAX_POINTS,
  type reportEncodedView,
  type reportQuery,
  strategyDecisionView,
  variantSplitView,
} from "./model.ts";

const BUCKET_MS = { hour: 60 * 60 * 1000, day: 24 * 60 * 60 * 1000 };

/** `tag:team` → the tag dimension and its key; the schema has checked the spelling. */
function reportShape(query: v.InferOutput<typeof reportQuery>): ReportShape {
  const groupBy = query.group_by ?? null;
  const isTag = groupBy?.startsWith("tag:") ?? false;
  return {
    granularity: query.granularity ?? "day",
    group_by: isTag ? "tag" : (groupBy as ReportShape["group_by"]),
    tag_key: isTag ? (groupBy as string).slice("tag:".length) : null,
  };
}

export async function analyticsReport(
  warehouse: WarehouseQuery,
  orgId: string,
  query: v.InferOutput<typeof reportQuery>,
): Promise<v.InferInput<typeof reportEncodedView>> {
  const filters: AnalyticsFilters = logFilters(query);
  const shape = reportShape(query);
  const start = filters.start as Date;
  const end = filters.end as Date;
  const buckets = Math.ceil((end.getTime() - start.getTime()) / BUCKET_MS[shape.granularity]);
  if (buckets > MAX_BUCKETS) {
    throw invalidField(
      "query.granularity",
      `the window holds ${buckets} ${shape.granularity} buckets; at most ${MAX_BUCKETS}`,
    );
  }
  // A grouped report keeps its group_limit groups with the most requests; the answer's size is
  // bounded by buckets × group_limit whatever the data.
  if (shape.group_by === null && query.group_limit !== undefined) {
    throw invalidField("query.group_limit", "applies only with group_by");
  }
  const groupLimit = shape.group_by === null ? null : (query.group_limit ?? DEFAULT_GROUP_LIMIT);
  if (groupLimit !== null && buckets * groupLimit > MAX_POINTS) {
    throw invalidField(
      "query.group_limit",
      `the window holds ${buckets} ${shape.granularity} buckets; group_limit × buckets must be ` +
        `at most ${MAX_POINTS}, so group_limit at most ${Math.floor(MAX_POINTS / buckets)}`,
    );
  }
  const period = async (from: Date, to: Date, cap: ReportCap | undefined) => {
    // The points as DuckDB wrote them in the view's shape, not row objects (encoded-json.ts).
    const report = await warehouse.reportJson(
      orgId,
      { ...filters, start: from, end: to },
      shape,
      cap,
    );
    return {
      view: {
        start: from.toISOString(),
        end: to.toISOString(),
        series: new EncodedJson(report.series),
        other_series: new EncodedJson(report.other),
        totals: new EncodedJson(report.totals),
      },
      groups: report.groups,
    };
  };
  const before = new Date(2 * start.getTime() - end.getTime());
  let current: Awaited<ReturnType<typeof period>>;
  let comparison: Awaited<ReturnType<typeof period>> | undefined;
  if (groupLimit === null) {
    [current, comparison] = await Promise.all([
      period(start, end, undefined),
      query.include_comparison ? period(before, start, undefined) : undefined,
    ]);
  } else {
    current = await period(start, end, { limit: groupLimit });
    // The window before is split by the same groups, so that the two line up.
    if (query.include_comparison) {
      comparison = await period(before, start, { keep: current.groups?.kept ?? [] });
    }
  }
  const groupCount = current.groups?.count ?? null;
  return {
    ...current.view,
    granularity: shape.granularity,
    group_by: query.group_by ?? null,
    group_limit: groupLimit,
    group_count: groupCount,
    capped: groupLimit !== null && groupCount !== null && groupCount > groupLimit,
    ...(comparison ? { comparison: comparison.view } : {}),
  };
}

export async function analyticsDecisions(
  warehouse: WarehouseQuery,
  orgId: string,
  query: v.InferOutput<typeof decisionsQuery>,
): Promise<v.InferInput<typeof decisionsView>> {
  const { project_id, start, end } = logFilters(query);
  const { strategies, variants } = await warehouse.decisions(orgId, {
    project_id,
    start: start as Date,
    end: end as Date,
    config_slug: query.config_slug ?? null,
  });
  return {
    start: (start as Date).toISOString(),
    end: (end as Date).toISOString(),
    strategies: strategies.map((row) => pick(strategyDecisionView, row)),
    variants: variants.map((row) => pick(variantSplitView, row)),
  };
}

/** The view's fields of a row whose columns are named like them; the operation checks values. */
function pick<S extends v.ObjectSchema<v.ObjectEntries, undefined>>(
  view: S,
  row: Row,
): v.InferInput<S> {
  return Object.fromEntries(
    Object.keys(view.entries).map((name) => [name, row[name]]),
  ) as v.InferInput<S>;
}
