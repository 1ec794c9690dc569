// Overview: the analytics report drawn over time (requests, cost, error rate, latency, cache hit
// rate), split by model, provider, project, route (routing config), end user or a tag; budget
// standings; the last alerts.
// Operations: get_analytics_report, list_budgets, list_budget_events.
import { useMemo, useState } from "preact/hooks";
import { Link } from "wouter-preact";
import { list, listAll, op } from "../api.ts";
import { type Series, TimeChart } from "../chart.tsx";
import { useApp } from "../session.ts";
import { ms, num, PageTitle, pct, Status, usd, useLoad, when } from "../ui.tsx";

interface Point {
  bucket: string;
  group: string | null;
  requests: number;
  cost_usd: number;
  errors: number;
  cache_hit_rate: number;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
}
interface Totals extends Omit<Point, "bucket" | "group"> {
  cache_saved_usd: number;
}
interface Report {
  start: string;
  end: string;
  granularity: "hour" | "day";
  group_by: string | null;
  group_limit: number | null;
  group_count: number | null;
  capped: boolean;
  series: Point[];
  other_series: Omit<Point, "group">[];
  totals: Totals;
}
export interface Budget {
  id: string;
  name: string;
  cap_usd: number;
  soft_thresholds: number[];
  action: string;
  enabled: boolean;
  period: string;
  current_period: {
    start: string;
    resets_at: string;
    reset_at?: string | null;
    spend_usd: number;
    used_pct: number;
  };
}
interface BudgetEvent {
  id: string;
  budget_id: string;
  type: string;
  threshold: number;
  spend_usd: number;
  created_at: string;
}

const RANGES = {
  "24h": { hours: 24, granularity: "hour" },
  "7d": { hours: 24 * 7, granularity: "hour" },
  "30d": { hours: 24 * 30, granularity: "day" },
} as const;
type Range = keyof typeof RANGES;

const GROUPS = ["", "model", "provider", "project", "route", "end_user"] as const;
/** Lines a split chart draws: the groups with the most requests, the rest as one "other" line. */
const GROUP_LIMIT = 10;

const formatCount = (value: number) => num(Math.round(value));
const formatUsd = (value: number) => usd(value);
const formatPct = (value: number) => pct(value, 0);
const formatMs = (value: number) => (value < 10 ? `${value.toFixed(1)} ms` : ms(value));

export function Overview() {
  const { projectId } = useApp();
  const [range, setRange] = useState<Range>("24h");
  const [groupBy, setGroupBy] = useState<string>("");
  const [tagKey, setTagKey] = useState("");
  const group = groupBy === "tag" ? (tagKey ? `tag:${tagKey}` : "") : groupBy;
  const report = useLoad(async () => {
    const { hours, granularity } = RANGES[range];
    const end = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const start = new Date(end.getTime() - hours * 3_600_000);
    return op<Report>("GET", "/analytics/report", {
      query: {
        start: start.toISOString(),
        end: end.toISOString(),
        granularity,
        group_by: group || undefined,
        // The report merges the groups past the limit into other_series (one line here).
        group_limit: group ? GROUP_LIMIT : undefined,
        // "project" splits the org's traffic; otherwise the chosen project's.
        project_id: group === "project" ? undefined : (projectId ?? undefined),
      },
    });
  }, [range, group, projectId]);
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Overview</PageTitle>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Window
          <select
            value={range}
            onChange={(event) => setRange((event.target as HTMLSelectElement).value as Range)}
          >
            <option value="24h">Last 24 hours (hourly)</option>
            <option value="7d">Last 7 days (hourly)</option>
            <option value="30d">Last 30 days (daily)</option>
          </select>
        </label>
        <label>
          Split by
          <select
            value={groupBy}
            onChange={(event) => setGroupBy((event.target as HTMLSelectElement).value)}
          >
            {GROUPS.map((value) => (
              <option key={value} value={value}>
                {value === ""
                  ? "nothing"
                  : value === "route"
                    ? "route (config)"
                    : value.replace("_", " ")}
              </option>
            ))}
            <option value="tag">a tag…</option>
          </select>
        </label>
        {groupBy === "tag" ? (
          <label>
            Tag key
            <input
              value={tagKey}
              placeholder="team"
              onChange={(event) => setTagKey((event.target as HTMLInputElement).value.trim())}
            />
          </label>
        ) : null}
      </form>
      <Status loaded={report}>{(data) => <ReportCharts report={data} />}</Status>
      <div class="two-columns">
        <BudgetStandings />
        <LastAlerts />
      </div>
    </section>
  );
}

function ReportCharts({ report }: { report: Report }) {
  const charts = useMemo(() => chartData(report), [report]);
  const { totals } = report;
  return (
    <>
      <dl class="tiles" aria-label="Totals over the window">
        <div>
          <dt>Requests</dt>
          <dd>{num(totals.requests)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{usd(totals.cost_usd)}</dd>
        </div>
        <div>
          <dt>Error rate</dt>
          <dd>{pct(totals.requests ? totals.errors / totals.requests : 0)}</dd>
        </div>
        <div>
          <dt>p50 / p95 latency</dt>
          <dd>
            {ms(totals.p50_latency_ms)} / {ms(totals.p95_latency_ms)}
          </dd>
        </div>
        <div>
          <dt>Cache hit rate</dt>
          <dd>{pct(totals.cache_hit_rate)}</dd>
        </div>
      </dl>
      {report.capped ? (
        <p class="notice">
          Top {report.group_limit} of {num(report.group_count ?? 0)} groups by requests; the other{" "}
          {num((report.group_count ?? 0) - (report.group_limit ?? 0))} are drawn as one line.
        </p>
      ) : null}
      {report.series.length === 0 && report.other_series.length === 0 ? (
        <p class="empty">No requests in this window.</p>
      ) : (
        <div class="charts">
          <TimeChart
            title="Requests"
            times={charts.times}
            series={charts.requests}
            format={formatCount}
            summary={`${num(totals.requests)} requests in total`}
          />
          <TimeChart
            title="Cost (USD)"
            times={charts.times}
            series={charts.cost}
            format={formatUsd}
            summary={`${usd(totals.cost_usd)} in total`}
          />
          <TimeChart
            title="Error rate"
            times={charts.times}
            series={charts.errorRate}
            format={formatPct}
            rate
            summary={`${pct(totals.requests ? totals.errors / totals.requests : 0)} over the window`}
          />
          <TimeChart
            title="Latency (p50, p95)"
            times={charts.times}
            series={charts.latency}
            format={formatMs}
            summary={`p50 ${ms(totals.p50_latency_ms)}, p95 ${ms(totals.p95_latency_ms)}`}
          />
          <TimeChart
            title="Cache hit rate"
            times={charts.times}
            series={charts.cacheHitRate}
            format={formatPct}
            rate
            summary={`${pct(totals.cache_hit_rate)} over the window`}
          />
        </div>
      )}
    </>
  );
}

const OTHER = Symbol("other groups");

/**
 * The report's points as aligned series: one per group, and one for the groups merged past the
 * group limit, buckets on the x axis.
 */
function chartData(report: Report) {
  // Every bucket of the window, so quiet hours show as zero requests, not as a gap.
  const step = report.granularity === "hour" ? 3_600_000 : 86_400_000;
  const times: string[] = [];
  for (let at = Date.parse(report.start); at < Date.parse(report.end); at += step) {
    times.push(new Date(at).toISOString());
  }
  const key = (bucket: string) => new Date(bucket).toISOString();
  // A line is a group's points, or the other groups' merged points (OTHER).
  type Line = string | null | typeof OTHER;
  const lines: Line[] = [...new Set(report.series.map((point) => point.group))];
  const index = new Map<string, Omit<Point, "group">>(
    report.series.map((point) => [`${key(point.bucket)}|${point.group}`, point]),
  );
  const otherIndex = new Map(report.other_series.map((point) => [key(point.bucket), point]));
  if (otherIndex.size > 0) lines.push(OTHER);
  const make = (
    label: (line: Line) => string,
    pick: (point: Omit<Point, "group">) => number | null,
    empty: number | null = null,
  ) =>
    lines.map(
      (line): Series => ({
        label: label(line),
        values: times.map((bucket) => {
          const point = line === OTHER ? otherIndex.get(bucket) : index.get(`${bucket}|${line}`);
          return point ? pick(point) : empty;
        }),
      }),
    );
  const byRoute = report.group_by === "route";
  const merged = (report.group_count ?? 0) - (report.group_limit ?? 0);
  const name = (line: Line) =>
    line === OTHER
      ? `other ${num(merged)} groups`
      : lines.length === 1 && line === null && !byRoute
        ? "all"
        : line === null
          ? byRoute
            ? "(no config)"
            : "(none)"
          : byRoute
            ? `@${line}`
            : line;
  return {
    times: times.map((bucket) => Date.parse(bucket) / 1000),
    requests: make(name, (point) => point.requests, 0),
    cost: make(name, (point) => point.cost_usd, 0),
    errorRate: make(name, (point) => (point.requests ? point.errors / point.requests : null)),
    cacheHitRate: make(name, (point) => point.cache_hit_rate),
    latency: [
      ...make(
        (line) => `p50 ${name(line)}`,
        (point) => point.p50_latency_ms,
      ),
      ...make(
        (line) => `p95 ${name(line)}`,
        (point) => point.p95_latency_ms,
      ),
    ],
  };
}

function BudgetStandings() {
  const { projectId } = useApp();
  const budgets = useLoad(() => listAll<Budget>("/budgets"), [projectId]);
  return (
    <section aria-labelledby="budgets-title">
      <h2 id="budgets-title">Budget standings</h2>
      <Status loaded={budgets}>
        {(items) =>
          items.length === 0 ? (
            <p class="empty">
              No budgets. <Link href="/budgets">Budgets</Link>
            </p>
          ) : (
            <ul class="plain">
              {items.map((budget) => (
                <li key={budget.id}>
                  <BudgetBar budget={budget} />
                </li>
              ))}
            </ul>
          )
        }
      </Status>
    </section>
  );
}

export function BudgetBar({ budget }: { budget: Budget }) {
  const used = budget.current_period.used_pct;
  const level = used >= 1 ? "over" : budget.soft_thresholds.some((t) => used >= t) ? "warn" : "ok";
  return (
    <div class="budget">
      <div class="budget-head">
        <strong>{budget.name}</strong>
        <span>
          {usd(budget.current_period.spend_usd)} of {usd(budget.cap_usd)} ({pct(used)}) ·{" "}
          {budget.period}, resets {when(budget.current_period.resets_at)}
        </span>
      </div>
      <div class={`bar bar-${level}`}>
        <progress
          max={1}
          value={Math.min(1, used)}
          aria-label={`${budget.name}: ${pct(used)} of the cap used`}
        />
        {budget.soft_thresholds.map((threshold) => (
          <span
            key={threshold}
            class="threshold"
            style={{ left: `${Math.min(100, threshold * 100)}%` }}
            title={`soft threshold ${pct(threshold, 0)}`}
          />
        ))}
      </div>
    </div>
  );
}

function LastAlerts() {
  const alerts = useLoad(async () => {
    const budgets = await listAll<Budget>("/budgets");
    const names = new Map(budgets.map((budget) => [budget.id, budget.name]));
    const pages = await Promise.all(
      budgets
        .slice(0, 20)
        .map((budget) => list<BudgetEvent>(`/budgets/${budget.id}/events`, { limit: 10 })),
    );
    return pages
      .flatMap((page) => page.data)
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .slice(0, 10)
      .map((event) => ({ ...event, budget: names.get(event.budget_id) ?? event.budget_id }));
  }, []);
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">Last alerts</h2>
      <Status loaded={alerts}>
        {(items) =>
          items.length === 0 ? (
            <p class="empty">No budget alerts.</p>
          ) : (
            <ul class="plain alerts">
              {items.map((event) => (
                <li key={event.id}>
                  <time dateTime={event.created_at}>{when(event.created_at)}</time>{" "}
                  <strong>{event.budget}</strong>{" "}
                  {event.type === "exceeded"
                    ? `exceeded its cap (${usd(event.spend_usd)})`
                    : event.type === "reset"
                      ? `was reset by hand (${usd(event.spend_usd)} spent before)`
                      : `reached ${pct(event.threshold, 0)} (${usd(event.spend_usd)})`}
                </li>
              ))}
            </ul>
          )
        }
      </Status>
    </section>
  );
}
