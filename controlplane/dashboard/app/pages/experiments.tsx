// Experiments: a candidate routing config replayed over a window of traffic. Create one, follow
// its progress, compare baseline and candidate (drawn), read the verdict, promote with a
// confirmation. Operations: list_experiments, create_experiment, get_experiment,
// promote_experiment, cancel_experiment, list_routing_configs.
import { useEffect, useState } from "preact/hooks";
import { Link, useLocation, useSearch } from "wouter-preact";
import { listAll, op } from "../api.ts";
import { useApp } from "../session.ts";
import {
  ActionButton,
  ConfirmDialog,
  ErrorNote,
  ListTable,
  ms,
  num,
  PageTitle,
  pct,
  Status,
  StatusBadge,
  usd,
  useAction,
  useConfirm,
  useLoad,
  when,
} from "../ui.tsx";
import type { RoutingConfig } from "./trace.tsx";

interface Side {
  requests: number;
  cost_usd: number;
  cost_usd_per_request: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  errors: number;
  error_rate: number | null;
  routes: Array<{ model: string | null; provider: string | null; requests: number; share: number }>;
}
interface Experiment {
  id: string;
  name: string;
  status: string;
  mode: string;
  baseline_config: string;
  candidate_config: string | Record<string, unknown>;
  window_start: string;
  window_end: string;
  progress: number;
  baseline_summary: Side | null;
  candidate_summary: Side | null;
  comparison: {
    requests: number;
    cost_delta_pct: number | null;
    p50_delta_pct: number | null;
    p95_delta_pct: number | null;
    error_rate_delta_pct: number | null;
    changed_requests: number;
    changed_share: number | null;
    transitions: Array<{
      from_model: string | null;
      from_provider: string | null;
      to_model: string | null;
      to_provider: string | null;
      requests: number;
    }>;
  } | null;
  criteria: {
    verdict: string;
    reason: string;
    predicates: Array<{
      metric: string;
      op: string;
      value: number;
      actual: number | null;
      holds: boolean | null;
    }>;
  } | null;
  verdict: string | null;
  error: string | null;
  hypothesis: string | null;
  promoted: { routing_config_id: string; version: number; promoted_at: string } | null;
  created_at: string;
}

const candidateName = (candidate: Experiment["candidate_config"]) =>
  typeof candidate === "string" ? candidate : "an inline config";

export function Experiments() {
  const { projectId } = useApp();
  const loaded = useLoad(
    () => listAll<Experiment>("/experiments", { project_id: projectId ?? undefined }),
    [projectId],
  );
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Experiments</PageTitle>
      <p>
        <Link href="/experiments/new">New experiment</Link> ·{" "}
        <Link href="/experiments/scheduled">Scheduled experiments</Link>
      </p>
      <Status loaded={loaded}>
        {(items) => (
          <ListTable
            label="Experiments"
            columns={["Name", "Status", "Progress", "Baseline → candidate", "Verdict", "Created"]}
            items={items}
            empty="No experiments yet."
            row={(experiment) => (
              <tr key={experiment.id}>
                <td>
                  <Link href={`/experiments/${experiment.id}`}>{experiment.name}</Link>
                </td>
                <td>
                  <StatusBadge value={experiment.status} />
                  {experiment.promoted ? " promoted" : ""}
                </td>
                <td>
                  <progress
                    max={1}
                    value={experiment.progress}
                    aria-label={`${experiment.name}: ${pct(experiment.progress, 0)} done`}
                  />
                </td>
                <td>
                  @{experiment.baseline_config.replace(/^@/, "")} →{" "}
                  {candidateName(experiment.candidate_config)}
                </td>
                <td>{experiment.verdict ? <StatusBadge value={experiment.verdict} /> : "–"}</td>
                <td>{when(experiment.created_at)}</td>
              </tr>
            )}
          />
        )}
      </Status>
    </section>
  );
}

const localInput = (date: Date) =>
  new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** A candidate config's current version per config (`slug@version`), `selected` by slug. */
export function ConfigVersionOptions({
  configs,
  selected = null,
}: {
  configs: RoutingConfig[];
  selected?: string | null;
}) {
  return (
    <>
      {configs.map((config) => (
        <option
          key={config.slug}
          value={`${config.slug}@${config.current_version}`}
          selected={config.slug === selected}
        >
          @{config.slug} (v{config.current_version})
        </option>
      ))}
    </>
  );
}

export function NewExperiment() {
  const { projectId } = useApp();
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const configs = useLoad(
    () => listAll<RoutingConfig>("/routing-configs", { project_id: projectId ?? undefined }),
    [projectId],
  );
  const action = useAction();
  const [candidateKind, setCandidateKind] = useState<"slug" | "json">("slug");
  const now = new Date();
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    let candidate: unknown = String(form.get("candidate_slug") ?? "");
    if (candidateKind === "json") {
      try {
        candidate = JSON.parse(String(form.get("candidate_json") ?? ""));
      } catch (thrown) {
        action.setError(`The candidate is not valid JSON: ${(thrown as Error).message}`);
        return;
      }
    }
    const sample = String(form.get("sample_size") ?? "");
    // The last error goes as the request leaves, not when it succeeds.
    action.setError(null);
    void action.run(async () => {
      const created = await op<Experiment>("POST", "/experiments", {
        body: {
          name: String(form.get("name") ?? ""),
          project_id: projectId,
          baseline_config: String(form.get("baseline") ?? ""),
          candidate_config: candidate,
          window_start: new Date(String(form.get("start"))).toISOString(),
          window_end: new Date(String(form.get("end"))).toISOString(),
          ...(sample ? { sample_size: Number(sample) } : {}),
          hypothesis: String(form.get("hypothesis") ?? "") || undefined,
        },
      });
      navigate(`/experiments/${created.id}`);
    });
  };
  const slugs = (configs.data ?? []).map((config) => config.slug);
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link href="/experiments">← Experiments</Link>
      </p>
      <PageTitle>New experiment</PageTitle>
      <form class="stack" onSubmit={submit}>
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          Baseline (the config in production)
          <select name="baseline" required defaultValue={search.get("baseline") ?? ""}>
            {slugs.map((slug) => (
              <option key={slug} value={slug} selected={slug === search.get("baseline")}>
                @{slug}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Candidate</legend>
          <label class="inline">
            <input
              type="radio"
              name="candidate_kind"
              checked={candidateKind === "slug"}
              onChange={() => setCandidateKind("slug")}
            />
            another config
          </label>
          <label class="inline">
            <input
              type="radio"
              name="candidate_kind"
              checked={candidateKind === "json"}
              onChange={() => setCandidateKind("json")}
            />
            a config written here
          </label>
          {candidateKind === "slug" ? (
            <label>
              Candidate config
              <select name="candidate_slug" required>
                <ConfigVersionOptions
                  configs={configs.data ?? []}
                  selected={search.get("candidate")}
                />
              </select>
            </label>
          ) : (
            <label>
              Candidate config (JSON)
              <textarea
                name="candidate_json"
                class="code"
                rows={6}
                defaultValue={'{"strategy": "single", "model": "gpt-4.1-nano"}'}
              />
            </label>
          )}
        </fieldset>
        <label>
          Window from
          <input
            type="datetime-local"
            name="start"
            required
            defaultValue={localInput(new Date(now.getTime() - 24 * 3_600_000))}
          />
        </label>
        <label>
          Window until
          <input
            type="datetime-local"
            name="end"
            required
            defaultValue={localInput(new Date(now.getTime() + 60_000))}
          />
        </label>
        <label>
          Sample size (optional)
          <input type="number" name="sample_size" min={1} max={50000} />
        </label>
        <label>
          Hypothesis (optional)
          <input name="hypothesis" />
        </label>
        <ErrorNote message={action.error} />
        <div class="buttons">
          <ActionButton needs="developer" type="submit" class="primary" disabled={action.busy}>
            Start the experiment
          </ActionButton>
        </div>
      </form>
    </section>
  );
}

export function ExperimentDetail({ params }: { params: { id: string } }) {
  const [tick, setTick] = useState(0);
  const loaded = useLoad(
    () => op<Experiment>("GET", `/experiments/${params.id}`),
    [params.id, tick],
  );
  const running = loaded.data?.status === "queued" || loaded.data?.status === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => setTick((value) => value + 1), 1500);
    return () => clearTimeout(timer);
  }, [running, loaded.data]);
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link href="/experiments">← Experiments</Link>
      </p>
      <Status loaded={loaded}>
        {(experiment) => (
          <ExperimentView experiment={experiment} onChange={() => setTick((value) => value + 1)} />
        )}
      </Status>
    </section>
  );
}

function ExperimentView({ experiment, onChange }: { experiment: Experiment; onChange(): void }) {
  const [force, setForce] = useState(false);
  const [promoted, setPromoted] = useState<string | null>(null);
  const action = useAction(onChange);
  const promoting = useConfirm<Experiment>(
    (candidate) =>
      void action.run(async () => {
        const result = await op<{
          routing_config: { slug: string; version: number; previous_version: number | null };
        }>("POST", `/experiments/${candidate.id}/promote`, {
          body: {
            message: `promoted from experiment ${candidate.name}`,
            ...(force ? { force } : {}),
          },
        });
        setPromoted(
          `Promoted: @${result.routing_config.slug} is now version ${result.routing_config.version}` +
            (result.routing_config.previous_version !== null
              ? ` (was ${result.routing_config.previous_version})`
              : ""),
        );
      }),
  );
  const done = experiment.status === "completed";
  return (
    <>
      <PageTitle>{experiment.name}</PageTitle>
      <dl class="kv">
        <dt>Status</dt>
        <dd>
          <StatusBadge value={experiment.status} />{" "}
          <progress max={1} value={experiment.progress} aria-label="Progress" />{" "}
          {pct(experiment.progress, 0)}
        </dd>
        <dt>Baseline → candidate</dt>
        <dd>
          @{experiment.baseline_config.replace(/^@/, "")} →{" "}
          {typeof experiment.candidate_config === "string" ? (
            experiment.candidate_config
          ) : (
            <code>{JSON.stringify(experiment.candidate_config)}</code>
          )}
        </dd>
        <dt>Window</dt>
        <dd>
          {when(experiment.window_start)} – {when(experiment.window_end)} ({experiment.mode})
        </dd>
        {experiment.hypothesis ? (
          <>
            <dt>Hypothesis</dt>
            <dd>{experiment.hypothesis}</dd>
          </>
        ) : null}
        <dt>Verdict</dt>
        <dd>
          {experiment.verdict ? <StatusBadge value={experiment.verdict} /> : "–"}{" "}
          {experiment.criteria?.reason ?? ""}
        </dd>
      </dl>
      {experiment.error ? <p class="error">{experiment.error}</p> : null}
      {experiment.baseline_summary && experiment.candidate_summary ? (
        <Comparison
          baseline={experiment.baseline_summary}
          candidate={experiment.candidate_summary}
          experiment={experiment}
        />
      ) : null}
      {experiment.criteria ? (
        <section aria-labelledby="criteria-title">
          <h2 id="criteria-title">Criteria</h2>
          <ul>
            {experiment.criteria.predicates.map((predicate) => (
              <li key={`${predicate.metric}${predicate.op}`}>
                {predicate.metric} {predicate.op} {predicate.value}: actual{" "}
                {predicate.actual ?? "–"}{" "}
                {predicate.holds === null ? "(unknown)" : predicate.holds ? "✓ holds" : "✗ fails"}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="promote-title">
        <h2 id="promote-title">Promote</h2>
        {experiment.promoted ? (
          <p class="notice">
            Promoted {when(experiment.promoted.promoted_at)} as version{" "}
            {experiment.promoted.version}.
          </p>
        ) : null}
        {promoted ? (
          <p class="notice" role="status">
            {promoted}
          </p>
        ) : null}
        <ErrorNote message={action.error} />
        {experiment.verdict === "fail" ? (
          <label class="inline">
            <input
              type="checkbox"
              checked={force}
              onChange={(event) => setForce((event.target as HTMLInputElement).checked)}
            />
            Promote although the verdict is fail
          </label>
        ) : null}
        <div class="buttons">
          <ActionButton
            needs="developer"
            class="primary"
            disabled={!done || experiment.promoted !== null}
            onClick={() => promoting.ask(experiment)}
          >
            Promote the candidate
          </ActionButton>
        </div>
      </section>
      <ConfirmDialog
        {...promoting.dialog}
        title={`Promote to @${experiment.baseline_config.replace(/^@/, "")}?`}
        confirmLabel="Promote"
      >
        <p>
          The candidate becomes a new version of @{experiment.baseline_config.replace(/^@/, "")}:
          every data plane serves it within seconds. A rollback on the config's page undoes it.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** Baseline and candidate side by side: bars per measure, route shares, transitions. */
function Comparison({
  baseline,
  candidate,
  experiment,
}: {
  baseline: Side;
  candidate: Side;
  experiment: Experiment;
}) {
  const measures: Array<{
    label: string;
    pick(side: Side): number | null;
    format(v: number | null): string;
  }> = [
    { label: "Cost per request", pick: (side) => side.cost_usd_per_request, format: usd },
    { label: "p50 latency", pick: (side) => side.p50_latency_ms, format: ms },
    { label: "p95 latency", pick: (side) => side.p95_latency_ms, format: ms },
    { label: "Error rate", pick: (side) => side.error_rate, format: (v) => pct(v) },
  ];
  const comparison = experiment.comparison;
  return (
    <section aria-labelledby="comparison-title">
      <h2 id="comparison-title">Baseline and candidate</h2>
      <p>
        <span class="legend-swatch baseline" /> baseline <span class="legend-swatch candidate" />{" "}
        candidate · {num(baseline.requests)} requests replayed
        {comparison
          ? `; ${num(comparison.changed_requests)} (${pct(comparison.changed_share)}) routed differently`
          : ""}
      </p>
      <table class="compare-table" aria-label="Measures, baseline against candidate">
        <thead>
          <tr>
            <th>Measure</th>
            <th>Baseline and candidate</th>
          </tr>
        </thead>
        <tbody>
          {measures.map((measure) => {
            const a = measure.pick(baseline);
            const b = measure.pick(candidate);
            const top = Math.max(a ?? 0, b ?? 0) || 1;
            return (
              <tr key={measure.label}>
                <th scope="row">{measure.label}</th>
                <td class="bars">
                  <div class="bar-line baseline" style={{ width: `${((a ?? 0) / top) * 100}%` }} />
                  <small>baseline {measure.format(a)}</small>
                  <div class="bar-line candidate" style={{ width: `${((b ?? 0) / top) * 100}%` }} />
                  <small>candidate {measure.format(b)}</small>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="two-columns">
        <Routes title="Baseline routes" side={baseline} />
        <Routes title="Candidate routes" side={candidate} />
      </div>
      {comparison && comparison.transitions.length > 0 ? (
        <>
          <h3>Transitions</h3>
          <div class="table-wrap">
            <table aria-label="Transitions">
              <thead>
                <tr>
                  <th>From</th>
                  <th>To</th>
                  <th class="num">Requests</th>
                </tr>
              </thead>
              <tbody>
                {comparison.transitions.map((transition, index) => (
                  <tr key={String(index)}>
                    <td>
                      {transition.from_provider ?? "?"}/{transition.from_model ?? "failed"}
                    </td>
                    <td>
                      {transition.to_provider ?? "?"}/{transition.to_model ?? "failed"}
                    </td>
                    <td class="num">{num(transition.requests)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

function Routes({ title, side }: { title: string; side: Side }) {
  return (
    <div>
      <h3>{title}</h3>
      <ul class="plain">
        {side.routes.map((route) => (
          <li key={`${route.provider}/${route.model}`}>
            <div>
              {route.provider ?? "?"}/{route.model ?? "failed"}: {num(route.requests)} (
              {pct(route.share)})
            </div>
            <progress
              max={1}
              value={route.share}
              aria-label={`${route.model}: ${pct(route.share)}`}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}
