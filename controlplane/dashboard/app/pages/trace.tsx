// A request's page: its decision trace drawn (candidates and why each was chosen, skipped or
// failed; the attempts on a timeline; budget checks; cache; warnings), the captured prompt and
// answer, and "replay against…" another routing config. Operations: get_log, get_log_trace,
// list_routing_configs, replay_log.
import { useState } from "preact/hooks";
import { Link } from "wouter-preact";
import { describeError, listAll, op } from "../api.ts";
import { useApp } from "../session.ts";
import {
  ActionButton,
  ErrorNote,
  ms,
  PageTitle,
  pct,
  Status,
  StatusBadge,
  usd,
  useLoad,
  when,
} from "../ui.tsx";
import { createdAtOf, type LogRow } from "./logs.tsx";

export interface Candidate {
  target: string;
  provider: string | null;
  model: string | null;
  status: string;
  reason: string;
  via?: string[];
  estimated_cost_usd?: number;
  latency_ms?: number;
}
interface Attempt {
  provider: string;
  model: string;
  role?: string;
  started_ms: number;
  latency_ms: number;
  ttft_ms?: number;
  status: number | string;
  error?: string;
  cost_usd?: number;
  accepted?: boolean;
  acceptance?: string;
}
interface Trace {
  candidates?: Candidate[];
  attempts?: Attempt[];
  budgets?: Array<{ name: string; used_pct: number; action: string }>;
  cache?: string;
  cache_detail?: Record<string, unknown>;
  warnings?: Array<Record<string, unknown> | string>;
  decision?: { winner: string | null; provider: string | null; reason: string };
  strategy?: string | null;
  routing_us?: number;
  overhead_ms?: number | null;
  error?: { code: string; message: string };
}
interface Detail extends LogRow {
  prompt: string | null;
  response: string | null;
  truncated: boolean;
  strategy: string | null;
  ttft_ms: number | null;
  overhead_ms: number | null;
}
export interface RoutingConfig {
  id: string;
  project_id: string;
  slug: string;
  description: string | null;
  current_version: number;
  config: Record<string, unknown>;
  updated_at: string;
}

export function RequestTrace({ params }: { params: { id: string } }) {
  const id = decodeURIComponent(params.id);
  const createdAt = createdAtOf.get(id);
  const loaded = useLoad(async () => {
    const query = { created_at: createdAt };
    const path = `/logs/${encodeURIComponent(id)}`;
    const [detail, trace] = await Promise.all([
      op<Detail>("GET", path, { query }),
      op<{ trace: Trace }>("GET", `${path}/trace`, { query }),
    ]);
    return { detail, trace: trace.trace };
  }, [id]);
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link href="/logs">← Logs</Link>
      </p>
      <PageTitle>Request {id}</PageTitle>
      <Status loaded={loaded}>
        {({ detail, trace }) => (
          <>
            <Summary detail={detail} trace={trace} />
            <Candidates candidates={trace.candidates ?? []} />
            <Timeline attempts={trace.attempts ?? []} />
            <Checks trace={trace} />
            <Content detail={detail} />
            <Replay detail={detail} />
          </>
        )}
      </Status>
    </section>
  );
}

function Summary({ detail, trace }: { detail: Detail; trace: Trace }) {
  return (
    <dl class="kv" aria-label="Summary">
      <dt>When</dt>
      <dd>{when(detail.created_at)}</dd>
      <dt>Status</dt>
      <dd>
        <StatusBadge value={`${Math.floor(detail.status / 100)}xx`} /> {detail.status}
        {detail.error_class ? ` (${detail.error_class})` : ""}
        {trace.error ? `: ${trace.error.message}` : ""}
      </dd>
      <dt>Asked for</dt>
      <dd>
        <code>{detail.requested_model}</code>
        {detail.config_slug ? ` → @${detail.config_slug} v${detail.config_version}` : ""}
        {detail.strategy ? ` (${detail.strategy})` : ""}
      </dd>
      <dt>Served by</dt>
      <dd>{detail.model ? `${detail.provider ?? "?"} / ${detail.model}` : "nobody"}</dd>
      <dt>Decision</dt>
      <dd>{trace.decision?.reason ?? detail.decision_reason}</dd>
      <dt>Latency</dt>
      <dd>
        {ms(detail.latency_ms)} (first token {ms(detail.ttft_ms)}, gateway overhead{" "}
        {ms(detail.overhead_ms)}, routing {trace.routing_us ?? "–"} µs)
      </dd>
      <dt>Tokens, cost</dt>
      <dd>
        {detail.input_tokens} in, {detail.output_tokens} out, {usd(detail.cost_usd)}
      </dd>
      <dt>End user, tags</dt>
      <dd>
        {detail.end_user ?? "–"}
        {Object.entries(detail.tags).map(([key, value]) => (
          <span key={key} class="badge">
            {key}={value}
          </span>
        ))}
      </dd>
    </dl>
  );
}

export function Candidates({ candidates }: { candidates: Candidate[] }) {
  return (
    <section aria-labelledby="candidates-title">
      <h2 id="candidates-title">Candidates</h2>
      {candidates.length === 0 ? (
        <p class="empty">No candidates (the request ended before routing).</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Target</th>
                <th>Outcome</th>
                <th>Why</th>
                <th class="num">Estimate</th>
              </tr>
            </thead>
            <tbody>
              {candidates.map((candidate, index) => (
                <tr key={`${candidate.target}-${index}`}>
                  <td>
                    <code>{candidate.target}</code>
                    {candidate.via?.length ? (
                      <div class="empty">via {candidate.via.join(" → ")}</div>
                    ) : null}
                  </td>
                  <td>
                    <StatusBadge value={candidate.status} />
                  </td>
                  <td>{candidate.reason}</td>
                  <td class="num">
                    {candidate.estimated_cost_usd !== undefined
                      ? usd(candidate.estimated_cost_usd)
                      : candidate.latency_ms !== undefined
                        ? ms(candidate.latency_ms)
                        : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const ROW = 34;
const LABEL = 230;

/** The attempts as bars on one time axis: start to end, a tick at the first token. */
function Timeline({ attempts }: { attempts: Attempt[] }) {
  if (attempts.length === 0) {
    return (
      <section aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        <p class="empty">No upstream call was made.</p>
      </section>
    );
  }
  const total = Math.max(1, ...attempts.map((a) => a.started_ms + a.latency_ms));
  const width = 900;
  const scale = (value: number) => LABEL + (value / total) * (width - LABEL - 10);
  const height = attempts.length * ROW + 24;
  return (
    <section aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempts</h2>
      <svg
        class="timeline"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby="attempts-title attempts-desc"
      >
        <title>Attempts on a timeline</title>
        <desc id="attempts-desc">
          {attempts
            .map(
              (a, index) =>
                `Attempt ${index + 1}: ${a.provider}/${a.model}, status ${a.status}, from ${Math.round(a.started_ms)} ms for ${Math.round(a.latency_ms)} ms`,
            )
            .join("; ")}
        </desc>
        {attempts.map((attempt, index) => {
          const ok = typeof attempt.status === "number" && attempt.status < 400;
          const y = index * ROW + 4;
          const x = scale(attempt.started_ms);
          const w = Math.max(2, scale(attempt.started_ms + attempt.latency_ms) - x);
          return (
            <g key={`${attempt.provider}-${index}`}>
              <text x={0} y={y + 17}>
                {`${index + 1}. ${attempt.provider}/${attempt.model}`.slice(0, 34)}
              </text>
              <rect
                x={x}
                y={y + 4}
                width={w}
                height={18}
                rx={3}
                fill={ok ? "#16a34a" : "#dc2626"}
              />
              {attempt.ttft_ms !== undefined ? (
                <line
                  x1={scale(attempt.started_ms + attempt.ttft_ms)}
                  x2={scale(attempt.started_ms + attempt.ttft_ms)}
                  y1={y}
                  y2={y + 26}
                  stroke="#111"
                  stroke-width={2}
                />
              ) : null}
            </g>
          );
        })}
        <text x={LABEL} y={height - 4}>
          0 ms
        </text>
        <text x={width - 10} y={height - 4} text-anchor="end">
          {Math.round(total)} ms
        </text>
      </svg>
      <div class="table-wrap">
        <table aria-label="Attempts">
          <thead>
            <tr>
              <th>#</th>
              <th>Provider / model</th>
              <th>Status</th>
              <th class="num">Start</th>
              <th class="num">Latency</th>
              <th class="num">TTFT</th>
              <th class="num">Cost</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((attempt, index) => (
              <tr key={`row-${attempt.provider}-${index}`}>
                <td>{index + 1}</td>
                <td>
                  {attempt.provider} / {attempt.model}
                  {attempt.role ? ` (${attempt.role})` : ""}
                </td>
                <td>
                  {attempt.status}
                  {attempt.accepted !== undefined
                    ? attempt.accepted
                      ? " accepted"
                      : ` escalated${attempt.acceptance ? `: ${attempt.acceptance}` : ""}`
                    : ""}
                </td>
                <td class="num">{ms(attempt.started_ms)}</td>
                <td class="num">{ms(attempt.latency_ms)}</td>
                <td class="num">{ms(attempt.ttft_ms)}</td>
                <td class="num">{usd(attempt.cost_usd)}</td>
                <td>{attempt.error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Checks({ trace }: { trace: Trace }) {
  const budgets = trace.budgets ?? [];
  const warnings = trace.warnings ?? [];
  return (
    <div class="two-columns">
      <section aria-labelledby="budget-checks-title">
        <h2 id="budget-checks-title">Budget checks</h2>
        {budgets.length === 0 ? (
          <p class="empty">No budget applied.</p>
        ) : (
          <ul class="plain">
            {budgets.map((budget) => (
              <li key={budget.name}>
                <strong>{budget.name}</strong>: {pct(budget.used_pct)} used, action {budget.action}
              </li>
            ))}
          </ul>
        )}
        <h2 id="cache-title">Cache</h2>
        <p>
          <StatusBadge value={trace.cache ?? "off"} />{" "}
          {trace.cache_detail ? <code>{JSON.stringify(trace.cache_detail)}</code> : null}
        </p>
      </section>
      <section aria-labelledby="warnings-title">
        <h2 id="warnings-title">Warnings</h2>
        {warnings.length === 0 ? (
          <p class="empty">None.</p>
        ) : (
          <ul>
            {warnings.map((warning, index) => (
              <li key={String(index)}>
                {typeof warning === "string" ? warning : JSON.stringify(warning)}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function Content({ detail }: { detail: Detail }) {
  return (
    <section aria-labelledby="content-title">
      <h2 id="content-title">Prompt and answer</h2>
      {detail.prompt === null && detail.response === null ? (
        <p class="empty">
          Not captured (the project's <code>capture_content</code> setting is off).
        </p>
      ) : (
        <div class="two-columns">
          <div>
            <h3>Prompt</h3>
            <pre>{detail.prompt ?? "–"}</pre>
          </div>
          <div>
            <h3>Answer</h3>
            <pre>{detail.response ?? "–"}</pre>
          </div>
        </div>
      )}
      {detail.truncated ? <p class="notice">Something in this row was cut to fit.</p> : null}
    </section>
  );
}

interface ReplayResult {
  same_decision: boolean;
  baseline: { model: string | null; provider: string | null; status: number };
  candidate: {
    config: { slug: string; source: string };
    reason: string;
    decision: { winner: string | null; provider: string | null };
    candidates: Candidate[];
    estimated_cost_usd: number | null;
    error: string | null;
  };
  notes: string[];
}

function Replay({ detail }: { detail: Detail }) {
  const { projectId } = useApp();
  const configs = useLoad(
    () => listAll<RoutingConfig>("/routing-configs", { project_id: projectId ?? undefined }),
    [projectId],
  );
  const [target, setTarget] = useState("");
  const [result, setResult] = useState<ReplayResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const replay = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setResult(
        await op<ReplayResult>("POST", `/logs/${encodeURIComponent(detail.request_id)}/replay`, {
          body: { routing_config: target, created_at: detail.created_at },
        }),
      );
    } catch (thrown) {
      setResult(null);
      setError(describeError(thrown));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="replay-title">
      <h2 id="replay-title">Replay against…</h2>
      <form class="filters" onSubmit={replay}>
        <label>
          Routing config
          <select
            value={target}
            onChange={(event) => setTarget((event.target as HTMLSelectElement).value)}
            required
          >
            <option value="">choose one</option>
            {(configs.data ?? []).map((config) => (
              <option key={config.id} value={config.slug}>
                @{config.slug} (v{config.current_version})
              </option>
            ))}
          </select>
        </label>
        <ActionButton needs="developer" type="submit" class="primary" disabled={busy || !target}>
          Replay (routing only)
        </ActionButton>
      </form>
      <ErrorNote message={error} />
      {result ? (
        <div class="notice" role="status">
          <p>
            <strong>{result.same_decision ? "Same decision" : "Different decision"}</strong>:
            recorded {result.baseline.provider ?? "?"}/{result.baseline.model ?? "none"}; @
            {result.candidate.config.slug} would choose {result.candidate.decision.provider ?? "?"}/
            {result.candidate.decision.winner ?? "nothing"} ({result.candidate.reason})
            {result.candidate.estimated_cost_usd !== null
              ? `, estimated ${usd(result.candidate.estimated_cost_usd)}`
              : ""}
            .
          </p>
          {result.candidate.error ? <p class="error">{result.candidate.error}</p> : null}
          <Candidates candidates={result.candidate.candidates} />
          {result.notes.length ? (
            <ul>
              {result.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          ) : null}
          <p>
            <Link
              href={`/experiments/new?baseline=${encodeURIComponent(detail.config_slug ?? "")}&candidate=${encodeURIComponent(result.candidate.config.slug)}`}
            >
              Make an experiment of it over a window of traffic
            </Link>
          </p>
        </div>
      ) : null}
    </section>
  );
}
