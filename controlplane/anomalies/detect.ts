// Anomaly detection (docs/anomalies.md): per route (routing config slug), the last complete
// window's cost per request, error rate and median latency against the trailing baseline, read
// from the request-log warehouse. A spike sends `request.anomaly_detected` once per (org, route,
// metric, window): an advisory lock on that key and a look for an earlier delivery of it make
// concurrent control planes and repeated runs send it once.
import { and, eq, sql } from "drizzle-orm";
import { isoRequired } from "../api/schemas.ts";
import type { Database } from "../db/client.ts";
import { webhookDeliveries } from "../db/schema/index.ts";
import type { Row, WarehouseQuery } from "../warehouse/query.ts";
import { enqueueEvent } from "../webhooks/enqueue.ts";

export interface AnomalyRule {
  /** The window judged: the last complete one of this length (aligned to the epoch). */
  windowMs: number;
  /** Baseline: this many windows just before it, taken as one aggregate. */
  baselineWindows: number;
  /** Fewest requests in the window and in the baseline for a route to be judged. */
  minRequests: number;
  /** A metric is a spike at this many times its baseline or more. */
  ratio: number;
  /** The error rate must also rise by at least this much (absolute), so 0 → 2 % is no spike. */
  minErrorRateIncrease: number;
}

export const DEFAULT_ANOMALY_RULE: AnomalyRule = {
  windowMs: 15 * 60_000,
  baselineWindows: 6,
  minRequests: 20,
  ratio: 2,
  minErrorRateIncrease: 0.1,
};

export type AnomalyMetric = "cost_per_request" | "error_rate" | "p50_latency_ms";

export interface Anomaly {
  route: string;
  metric: AnomalyMetric;
  value: number;
  baseline: number;
  window: { start: string; end: string };
  baseline_window: { start: string; end: string };
  requests: number;
  baseline_requests: number;
}

const measures = (row: Row) => {
  const requests = Number(row.requests ?? 0);
  return {
    requests,
    cost_per_request: requests > 0 ? Number(row.cost_usd ?? 0) / requests : 0,
    error_rate: Number(row.error_rate ?? 0),
    p50_latency_ms: row.p50_latency_ms === null ? null : Number(row.p50_latency_ms),
  };
};

/** The anomalies of the last complete window before `nowMs`. */
export async function findAnomalies(
  warehouse: WarehouseQuery,
  orgId: string,
  nowMs: number,
  rule: AnomalyRule = DEFAULT_ANOMALY_RULE,
): Promise<Anomaly[]> {
  const end = Math.floor(nowMs / rule.windowMs) * rule.windowMs;
  const start = end - rule.windowMs;
  const baselineStart = start - rule.baselineWindows * rule.windowMs;
  const [current, baseline] = await Promise.all([
    warehouse.decisions(orgId, { start: new Date(start), end: new Date(end) }),
    warehouse.decisions(orgId, { start: new Date(baselineStart), end: new Date(start) }),
  ]);
  const byRoute = (rows: Row[]) => {
    const map = new Map<string, ReturnType<typeof measures>>();
    for (const row of rows) {
      // One row per (config, strategy): a route whose strategy changed is judged by its latest.
      if (typeof row.config_slug === "string") map.set(row.config_slug, measures(row));
    }
    return map;
  };
  const before = byRoute(baseline.strategies);
  const found: Anomaly[] = [];
  for (const [route, now] of byRoute(current.strategies)) {
    const base = before.get(route);
    if (!base || now.requests < rule.minRequests || base.requests < rule.minRequests) continue;
    const spike = (metric: AnomalyMetric, value: number | null, baseValue: number | null) => {
      if (value === null || baseValue === null) return;
      const rises =
        metric === "error_rate"
          ? value >= rule.ratio * baseValue && value - baseValue >= rule.minErrorRateIncrease
          : baseValue > 0 && value >= rule.ratio * baseValue;
      if (!rises) return;
      found.push({
        route,
        metric,
        value,
        baseline: baseValue,
        window: { start: isoRequired(new Date(start)), end: isoRequired(new Date(end)) },
        baseline_window: {
          start: isoRequired(new Date(baselineStart)),
          end: isoRequired(new Date(start)),
        },
        requests: now.requests,
        baseline_requests: base.requests,
      });
    };
    spike("cost_per_request", now.cost_per_request, base.cost_per_request);
    spike("error_rate", now.error_rate, base.error_rate);
    spike("p50_latency_ms", now.p50_latency_ms, base.p50_latency_ms);
  }
  return found;
}

/** Sends `request.anomaly_detected` for each anomaly not sent before; returns those sent. */
export async function reportAnomalies(
  db: Database,
  orgId: string,
  anomalies: Anomaly[],
  now: Date,
): Promise<Anomaly[]> {
  const sent: Anomaly[] = [];
  for (const anomaly of anomalies) {
    const key = `${orgId}|${anomaly.route}|${anomaly.metric}|${anomaly.window.start}`;
    const isNew = await db.transaction(async (transaction) => {
      await transaction.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
      const earlier = await transaction
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.event_type, "request.anomaly_detected"),
            sql`${webhookDeliveries.payload}->'data'->>'anomaly_key' = ${key}`,
          ),
        )
        .limit(1);
      if (earlier.length > 0) return false;
      await enqueueEvent(
        transaction as unknown as Database,
        orgId,
        "request.anomaly_detected",
        { ...anomaly, anomaly_key: key } as unknown as Record<string, unknown>,
        { now },
      );
      return true;
    });
    if (isNew) sent.push(anomaly);
  }
  return sent;
}

/** One detection pass for an org at `nowMs`. */
export async function detectAnomalies(
  db: Database,
  warehouse: WarehouseQuery,
  orgId: string,
  nowMs: number,
  rule: AnomalyRule = DEFAULT_ANOMALY_RULE,
): Promise<Anomaly[]> {
  return reportAnomalies(
    db,
    orgId,
    await findAnomalies(warehouse, orgId, nowMs, rule),
    new Date(nowMs),
  );
}
