// Logs: the request log, paged and filtered on the server (list_logs: time, status, model,
// provider, route, end user, tags, trace id, latency), with a live tail that reloads the first
// page; a request id opens that request's trace.
import { useEffect, useState } from "preact/hooks";
import { Link, useLocation } from "wouter-preact";
import { list, type Page } from "../api.ts";
import { useApp } from "../session.ts";
import { ErrorNote, ms, num, PageTitle, StatusBadge, usd, when } from "../ui.tsx";

export interface LogRow {
  request_id: string;
  created_at: string;
  config_slug: string | null;
  config_version: number | null;
  requested_model: string;
  model: string | null;
  provider: string | null;
  status: number;
  error_class: string | null;
  attempts: number;
  fallbacks: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  latency_ms: number | null;
  cache: string;
  end_user: string | null;
  tags: Record<string, string>;
  trace_id: string | null;
  decision_reason: string;
}

/** When each listed request was made, so its page reads only that hour's files. */
export const createdAtOf = new Map<string, string>();

interface Filters {
  range: string;
  start: string;
  end: string;
  status_class: string;
  model: string;
  provider: string;
  route: string;
  end_user: string;
  tags: string;
  trace_id: string;
  min_latency_ms: string;
}
const EMPTY: Filters = {
  range: "24h",
  start: "",
  end: "",
  status_class: "",
  model: "",
  provider: "",
  route: "",
  end_user: "",
  tags: "",
  trace_id: "",
  min_latency_ms: "",
};
// Kept while the page is away, so coming back from a trace finds the same list.
let remembered: Filters = EMPTY;

const RANGE_HOURS: Record<string, number> = { "1h": 1, "24h": 24, "7d": 168, "30d": 720 };
const PAGE_SIZE = 50;
const TAIL_MS = 3000;

function windowOf(filters: Filters): { start?: string; end?: string } {
  if (filters.range === "custom") {
    return {
      start: filters.start ? new Date(filters.start).toISOString() : undefined,
      end: filters.end ? new Date(filters.end).toISOString() : undefined,
    };
  }
  const hours = RANGE_HOURS[filters.range] ?? 24;
  return { start: new Date(Date.now() - hours * 3_600_000).toISOString() };
}

export function Logs() {
  const { projectId } = useApp();
  const [, navigate] = useLocation();
  const [filters, setFilters] = useState<Filters>(remembered);
  const [draft, setDraft] = useState<Filters>(remembered);
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [page, setPage] = useState<Page<LogRow> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [tail, setTail] = useState(false);
  const [tick, setTick] = useState(0);
  const [requestId, setRequestId] = useState("");
  const cursor = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    let live = true;
    setLoading(true);
    list<LogRow>("/logs", {
      project_id: projectId ?? undefined,
      ...windowOf(filters),
      status_class: filters.status_class,
      model: filters.model,
      provider: filters.provider,
      route: filters.route.trim(),
      end_user: filters.end_user,
      tags: filters.tags,
      trace_id: filters.trace_id.trim(),
      min_latency_ms: filters.min_latency_ms,
      limit: PAGE_SIZE,
      cursor,
    }).then(
      (result) => {
        if (!live) return;
        for (const row of result.data) createdAtOf.set(row.request_id, row.created_at);
        setPage(result);
        setError(null);
        setLoading(false);
      },
      (thrown) => {
        if (!live) return;
        setError((thrown as Error).message);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [projectId, filters, cursor, tick]);

  // Live tail: the first page again every few seconds, while on the first page.
  useEffect(() => {
    if (!tail || cursors.length > 1) return;
    const timer = setInterval(() => setTick((value) => value + 1), TAIL_MS);
    return () => clearInterval(timer);
  }, [tail, cursors.length]);

  const apply = (event: Event) => {
    event.preventDefault();
    remembered = draft;
    setFilters(draft);
    setCursors([null]);
  };
  const field = (name: keyof Filters) => ({
    value: draft[name],
    onInput: (event: Event) =>
      setDraft({ ...draft, [name]: (event.target as HTMLInputElement).value }),
  });
  const openRequest = (event: Event) => {
    event.preventDefault();
    const id = requestId.trim();
    if (id) navigate(`/logs/${encodeURIComponent(id)}`);
  };

  return (
    <section aria-labelledby="page-title">
      <PageTitle>Logs</PageTitle>
      <form class="filters" onSubmit={openRequest} aria-label="Open a request">
        <label>
          Request id
          <input
            value={requestId}
            onInput={(event) => setRequestId((event.target as HTMLInputElement).value)}
            placeholder="x-modelux-request-id"
            size={40}
          />
        </label>
        <button type="submit">Open</button>
      </form>
      <form class="filters" onSubmit={apply} aria-label="Filter the log">
        <label>
          Time
          <select {...field("range")} onChange={field("range").onInput}>
            <option value="1h">Last hour</option>
            <option value="24h">Last 24 hours</option>
            <option value="7d">Last 7 days</option>
            <option value="30d">Last 30 days</option>
            <option value="custom">Between…</option>
          </select>
        </label>
        {draft.range === "custom" ? (
          <>
            <label>
              From
              <input type="datetime-local" {...field("start")} />
            </label>
            <label>
              Until
              <input type="datetime-local" {...field("end")} />
            </label>
          </>
        ) : null}
        <label>
          Status
          <select {...field("status_class")} onChange={field("status_class").onInput}>
            <option value="">any</option>
            <option value="2xx">2xx</option>
            <option value="4xx">4xx</option>
            <option value="5xx">5xx</option>
          </select>
        </label>
        <label>
          Model
          <input {...field("model")} size={14} />
        </label>
        <label>
          Provider
          <input {...field("provider")} size={12} />
        </label>
        <label>
          Route
          <input {...field("route")} placeholder="@default" size={12} />
        </label>
        <label>
          End user
          <input {...field("end_user")} size={12} />
        </label>
        <label>
          Tags
          <input {...field("tags")} placeholder="team=ml,env=prod" size={16} />
        </label>
        <label>
          Trace id
          <input {...field("trace_id")} size={16} />
        </label>
        <label>
          Min latency (ms)
          <input type="number" min={0} {...field("min_latency_ms")} size={6} />
        </label>
        <button type="submit" class="primary">
          Search
        </button>
        <label class="inline">
          <input
            type="checkbox"
            checked={tail}
            onChange={(event) => setTail((event.target as HTMLInputElement).checked)}
          />
          Live tail
        </label>
      </form>
      <ErrorNote message={error} />
      <p class="sr-only" aria-live="polite">
        {loading ? "Loading" : page ? `${page.data.length} requests on this page` : ""}
      </p>
      {page ? (
        page.data.length === 0 ? (
          <p class="empty">No requests match.</p>
        ) : (
          <div class="table-wrap">
            <table aria-label="Requests" aria-busy={loading}>
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Status</th>
                  <th>Model</th>
                  <th>Provider</th>
                  <th>Config</th>
                  <th>End user</th>
                  <th class="num">Latency</th>
                  <th class="num">Tokens in/out</th>
                  <th class="num">Cost</th>
                  <th>Request</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((row) => (
                  <tr key={row.request_id}>
                    <td>
                      <time dateTime={row.created_at}>{when(row.created_at)}</time>
                    </td>
                    <td>
                      <StatusBadge value={`${Math.floor(row.status / 100)}xx`} /> {row.status}
                    </td>
                    <td>{row.model ?? row.requested_model}</td>
                    <td>{row.provider ?? "–"}</td>
                    <td>{row.config_slug ? `@${row.config_slug} v${row.config_version}` : "–"}</td>
                    <td>{row.end_user ?? "–"}</td>
                    <td class="num">{ms(row.latency_ms)}</td>
                    <td class="num">
                      {num(row.input_tokens)}/{num(row.output_tokens)}
                    </td>
                    <td class="num">{usd(row.cost_usd)}</td>
                    <td>
                      <Link href={`/logs/${encodeURIComponent(row.request_id)}`}>
                        <code>{row.request_id.slice(0, 13)}…</code>
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <div class="pager">
        <button
          type="button"
          disabled={cursors.length <= 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <span>Page {cursors.length}</span>
        <button
          type="button"
          disabled={!page?.next_cursor}
          onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}
        >
          Older
        </button>
      </div>
    </section>
  );
}
