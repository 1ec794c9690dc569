// Scheduled experiments: a candidate replayed against the last hours of traffic on a cron (UTC),
// each run judged by success criteria. The project's schedules with their next fire, last
// verdict and open regression; create one (one criterion from the form, the API takes up to 20);
// run one now, pause or resume it, delete it; a schedule's runs, each with its deltas and the
// experiment it queued. Operations: list_scheduled_experiments, create_scheduled_experiment,
// get_scheduled_experiment, run_scheduled_experiment, pause_scheduled_experiment,
// resume_scheduled_experiment, delete_scheduled_experiment, list_scheduled_experiment_runs,
// list_routing_configs.
import { Link } from "wouter-preact";
import { listAll, op } from "../api.ts";
import { useApp } from "../session.ts";
import {
  ConfirmDialog,
  ErrorNote,
  ListTable,
  PageTitle,
  Status,
  StatusBadge,
  useAction,
  useConfirm,
  useLoad,
  when,
} from "../ui.tsx";
import { Can, formFields } from "./admin-kit.tsx";
import { ConfigVersionOptions } from "./experiments.tsx";
import type { RoutingConfig } from "./trace.tsx";

interface Schedule {
  id: string;
  name: string;
  status: "active" | "paused";
  cron_expression: string;
  window_hours: number;
  mode: string;
  baseline_config: string;
  candidate_config: string | Record<string, unknown>;
  next_run_at: string | null;
  last_run_at: string | null;
  last_verdict: string | null;
  regression: { signal_key: string; run_id: string; detected_at: string } | null;
}

interface Run {
  id: string;
  experiment_id: string | null;
  trigger: "schedule" | "manual";
  status: string;
  scheduled_for: string;
  window_start: string;
  window_end: string;
  verdict: string | null;
  comparison: {
    cost_delta_pct: number | null;
    p95_delta_pct: number | null;
    error_rate_delta_pct: number | null;
  } | null;
  error: string | null;
}

/** What a predicate can read in routing_only mode (the other two need with_responses). */
const METRICS = ["cost_delta_pct", "p95_delta_pct", "error_rate_delta_pct"];
const OPS = ["lte", "lt", "gte", "gt"];

const candidateName = (candidate: Schedule["candidate_config"]) =>
  typeof candidate === "string" ? candidate : "an inline config";

/** A delta in percent (or points), signed. */
const delta = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${value > 0 ? "+" : ""}${value.toFixed(1)}`;

export function ScheduledExperiments() {
  const { projectId } = useApp();
  const schedules = useLoad(
    () => listAll<Schedule>("/scheduled-experiments", { project_id: projectId ?? undefined }),
    [projectId],
  );
  const configs = useLoad(
    () => listAll<RoutingConfig>("/routing-configs", { project_id: projectId ?? undefined }),
    [projectId],
  );
  const action = useAction(schedules.reload);
  const deleting = useConfirm<Schedule>(
    (schedule) => void action.run(() => op("DELETE", `/scheduled-experiments/${schedule.id}`)),
  );
  const create = (event: Event) => {
    const { form, get } = formFields(event);
    void action.run(async () => {
      await op("POST", "/scheduled-experiments", {
        body: {
          name: get("name"),
          project_id: projectId,
          baseline_config: get("baseline"),
          candidate_config: get("candidate"),
          cron_expression: get("cron"),
          window_hours: Number(get("window_hours")),
          success_criteria: {
            predicates: [{ metric: get("metric"), op: get("op"), value: Number(get("value")) }],
          },
        },
      });
      form.reset();
    });
  };
  const routingConfigs = configs.data ?? [];
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link href="/experiments">← Experiments</Link>
      </p>
      <PageTitle>Scheduled experiments</PageTitle>
      <p class="meta">
        Each fire of the schedule (UTC) replays the hours of traffic before it against the candidate
        and judges the run; a failing run opens a regression and sends
        experiment.regression_detected.
      </p>
      <ErrorNote message={action.error} />
      <Status loaded={schedules}>
        {(items) => (
          <ListTable
            label="Scheduled experiments"
            columns={[
              "Name",
              "Schedule (UTC)",
              "Baseline → candidate",
              "Status",
              "Next run",
              "Last run",
              "Actions",
            ]}
            items={items}
            empty="No scheduled experiments yet."
            row={(schedule) => (
              <tr key={schedule.id}>
                <td>
                  <Link href={`/experiments/scheduled/${schedule.id}`}>{schedule.name}</Link>
                </td>
                <td>
                  <code>{schedule.cron_expression}</code>, last {schedule.window_hours} h
                </td>
                <td>
                  @{schedule.baseline_config} → {candidateName(schedule.candidate_config)}
                </td>
                <td>
                  <StatusBadge value={schedule.status} />
                  {schedule.regression ? (
                    <>
                      {" "}
                      <StatusBadge value="regression" />
                    </>
                  ) : null}
                </td>
                <td>{schedule.next_run_at ? when(schedule.next_run_at) : "—"}</td>
                <td>
                  {schedule.last_run_at ? when(schedule.last_run_at) : "never"}
                  {schedule.last_verdict ? (
                    <>
                      {" "}
                      <StatusBadge value={schedule.last_verdict} />
                    </>
                  ) : null}
                </td>
                <td>
                  <Can needs="developer">
                    <div class="buttons">
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={() =>
                          action.run(() => op("POST", `/scheduled-experiments/${schedule.id}/run`))
                        }
                      >
                        Run {schedule.name} now
                      </button>
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={() =>
                          action.run(() =>
                            op(
                              "POST",
                              `/scheduled-experiments/${schedule.id}/${schedule.status === "active" ? "pause" : "resume"}`,
                            ),
                          )
                        }
                      >
                        {schedule.status === "active" ? "Pause" : "Resume"} {schedule.name}
                      </button>
                      <button type="button" class="danger" onClick={() => deleting.ask(schedule)}>
                        Delete {schedule.name}
                      </button>
                    </div>
                  </Can>
                </td>
              </tr>
            )}
          />
        )}
      </Status>
      <ConfirmDialog
        title="Delete this scheduled experiment?"
        confirmLabel="Delete"
        {...deleting.dialog}
      >
        {deleting.pending?.name} stops firing; its runs' experiments are kept.
      </ConfirmDialog>
      <Can needs="developer">
        <form class="stack" aria-label="Schedule an experiment" onSubmit={create}>
          <h2>Schedule an experiment</h2>
          <label>
            Name
            <input name="name" required />
          </label>
          <label>
            Baseline (the config in production)
            <select name="baseline" required>
              {routingConfigs.map((config) => (
                <option key={config.slug} value={config.slug}>
                  @{config.slug}
                </option>
              ))}
            </select>
          </label>
          <label>
            Candidate config
            <select name="candidate" required>
              <ConfigVersionOptions configs={routingConfigs} />
            </select>
          </label>
          <label>
            Schedule (cron, UTC)
            <input name="cron" required defaultValue="0 9 * * *" />
          </label>
          <label>
            Hours of traffic each run replays
            <input name="window_hours" type="number" min={1} required defaultValue="24" />
          </label>
          <fieldset>
            <legend>Passes when</legend>
            <label>
              Metric
              <select name="metric">
                {METRICS.map((metric) => (
                  <option key={metric}>{metric}</option>
                ))}
              </select>
            </label>
            <label>
              Comparison
              <select name="op">
                {OPS.map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </label>
            <label>
              Value
              <input name="value" type="number" step="any" required defaultValue="0" />
            </label>
          </fieldset>
          <button type="submit" class="primary" disabled={action.busy}>
            Schedule
          </button>
        </form>
      </Can>
    </section>
  );
}

export function ScheduledExperimentDetail({ params }: { params: { id: string } }) {
  const schedule = useLoad(
    () => op<Schedule>("GET", `/scheduled-experiments/${params.id}`),
    [params.id],
  );
  const runs = useLoad(() => listAll<Run>(`/scheduled-experiments/${params.id}/runs`), [params.id]);
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link href="/experiments/scheduled">← Scheduled experiments</Link>
      </p>
      <Status loaded={schedule}>
        {(item) => (
          <>
            <PageTitle>{item.name}</PageTitle>
            <p>
              <StatusBadge value={item.status} /> <code>{item.cron_expression}</code> (UTC), the
              last {item.window_hours} h of traffic, @{item.baseline_config} →{" "}
              {candidateName(item.candidate_config)}
              {item.regression
                ? `; regression open since ${when(item.regression.detected_at)}`
                : ""}
            </p>
          </>
        )}
      </Status>
      <button type="button" onClick={runs.reload}>
        Refresh runs
      </button>
      <Status loaded={runs}>
        {(items) => (
          <ListTable
            label="Runs"
            columns={[
              "Fired for",
              "Trigger",
              "Status",
              "Verdict",
              { label: "Cost Δ %", class: "num" },
              { label: "p95 Δ %", class: "num" },
              { label: "Error rate Δ pts", class: "num" },
              "Experiment",
            ]}
            items={items}
            empty="No runs yet."
            row={(run) => (
              <tr key={run.id}>
                <td>{when(run.scheduled_for)}</td>
                <td>{run.trigger}</td>
                <td>
                  <StatusBadge value={run.status} />
                  {run.error ? <span class="meta"> {run.error}</span> : null}
                </td>
                <td>{run.verdict ? <StatusBadge value={run.verdict} /> : "—"}</td>
                <td class="num">{delta(run.comparison?.cost_delta_pct)}</td>
                <td class="num">{delta(run.comparison?.p95_delta_pct)}</td>
                <td class="num">{delta(run.comparison?.error_rate_delta_pct)}</td>
                <td>
                  {run.experiment_id ? (
                    <Link href={`/experiments/${run.experiment_id}`}>the experiment</Link>
                  ) : (
                    "—"
                  )}
                </td>
              </tr>
            )}
          />
        )}
      </Status>
    </section>
  );
}
