// A routing config's dry-run box: a sample request and the plan it would get (what would serve,
// the ordered attempts, the candidates and why, the budgets checked), from the data plane's own
// planner through the Management API (dry_run_routing_config); nothing is sent upstream.
import { useState } from "preact/hooks";
import { ApiError, describeError, op } from "../api.ts";
import { ActionButton, ErrorNote, pct, StatusBadge } from "../ui.tsx";
import { type Candidate, Candidates } from "./trace.tsx";

type Surface = "openai" | "anthropic";

interface PlanStep {
  kind: string;
  provider?: string;
  model?: string;
  timeout_ms?: number | null;
  steps?: Array<{ models: string[]; accept?: unknown }>;
  members?: Array<{ weight: number; models: string[] }>;
  aggregation?: string;
}
interface DryRun {
  config: { slug: string; source: string };
  status: number;
  would_serve: { provider: string; model: string } | null;
  plan: PlanStep[];
  trace: {
    strategy?: string | null;
    candidates?: Candidate[];
    budgets?: Array<{ name: string; used_pct: number; action: string }>;
    ab_variant?: string | null;
    decision?: { reason?: string };
  } | null;
  error: { type: string; message: string } | null;
  notes: string[];
}

const SAMPLES: Record<Surface, string> = {
  openai: JSON.stringify(
    {
      messages: [{ role: "user", content: "Summarise our refund policy in two lines." }],
      "mlx:tags": { team: "support" },
      "mlx:end_user": "user-42",
    },
    null,
    2,
  ),
  anthropic: JSON.stringify(
    {
      max_tokens: 512,
      messages: [{ role: "user", content: "Summarise our refund policy in two lines." }],
      "mlx:tags": { team: "support" },
    },
    null,
    2,
  ),
};

/** `source`: "editor" (the editor's JSON, saved or not) or a version number of the config. */
export function DryRunBox({
  projectId,
  slug,
  versions,
  editorText,
}: {
  projectId: string;
  slug: string;
  versions: number[];
  editorText: string;
}) {
  const [source, setSource] = useState("editor");
  const [surface, setSurface] = useState<Surface>("openai");
  const [sample, setSample] = useState(SAMPLES.openai);
  const [result, setResult] = useState<DryRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const changeSurface = (next: Surface) => {
    // A sample left as it was follows the shape.
    if (sample === SAMPLES[surface]) setSample(SAMPLES[next]);
    setSurface(next);
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setResult(null);
    const parsed = (text: string, what: string): unknown => {
      try {
        return JSON.parse(text);
      } catch (thrown) {
        throw new Error(`${what} is not valid JSON: ${(thrown as Error).message}`);
      }
    };
    let request: unknown;
    let config: unknown;
    try {
      request = parsed(sample, "The sample");
      config = source === "editor" ? parsed(editorText, "The config") : `${slug}@${source}`;
    } catch (thrown) {
      setError((thrown as Error).message);
      return;
    }
    setBusy(true);
    try {
      setResult(
        await op<DryRun>("POST", "/routing-configs/dry-run", {
          body: { project_id: projectId, slug, routing_config: config, surface, request },
        }),
      );
    } catch (thrown) {
      setError(
        thrown instanceof ApiError && thrown.fields.length > 0
          ? thrown.fields.map((field) => `${field.field}: ${field.message}`).join("; ")
          : describeError(thrown),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="dry-run-title">
      <h2 id="dry-run-title">Dry run</h2>
      <p class="meta">
        The plan a request for <code>@{slug}</code> would get now, decided by the data plane's own
        planner against the fleet's budgets; nothing is sent to a provider or logged.
      </p>
      <form class="editor" onSubmit={submit} aria-label="Dry run">
        <div class="filters">
          <label>
            Config
            <select
              value={source}
              onChange={(event) => setSource((event.target as HTMLSelectElement).value)}
            >
              <option value="editor">the editor's JSON (unsaved too)</option>
              {versions.map((version) => (
                <option key={version} value={String(version)}>
                  saved v{version}
                </option>
              ))}
            </select>
          </label>
          <label>
            Request shape
            <select
              value={surface}
              onChange={(event) =>
                changeSurface((event.target as HTMLSelectElement).value as Surface)
              }
            >
              <option value="openai">OpenAI chat completion</option>
              <option value="anthropic">Anthropic message</option>
            </select>
          </label>
        </div>
        <label for="dry-run-sample">Sample request (JSON, without model)</label>
        <textarea
          id="dry-run-sample"
          class="code"
          spellcheck={false}
          rows={Math.min(16, sample.split("\n").length + 1)}
          value={sample}
          onInput={(event) => setSample((event.target as HTMLTextAreaElement).value)}
        />
        <div class="buttons">
          <ActionButton needs="developer" type="submit" class="primary" disabled={busy}>
            Dry run
          </ActionButton>
        </div>
      </form>
      <ErrorNote message={error} />
      {result ? <DryRunResult result={result} /> : null}
    </section>
  );
}

function DryRunResult({ result }: { result: DryRun }) {
  const trace = result.trace;
  return (
    <div role="status" aria-label="Dry run result" class="dry-run">
      {result.error ? (
        <p>
          <StatusBadge value="failed" /> A data plane would answer {result.status}:{" "}
          {result.error.message}
        </p>
      ) : (
        <p>
          <StatusBadge value="chosen" /> Would serve{" "}
          <strong>
            {result.would_serve
              ? `${result.would_serve.provider} / ${result.would_serve.model}`
              : "nothing"}
          </strong>{" "}
          ({trace?.strategy ?? "–"} of @{result.config.slug}, {result.config.source}
          {trace?.ab_variant ? `, variant ${trace.ab_variant}` : ""})
          {trace?.decision?.reason ? `: ${trace.decision.reason}` : ""}
        </p>
      )}
      {result.plan.length > 0 ? (
        <>
          <h3 id="plan-title">Plan</h3>
          <ol aria-labelledby="plan-title" class="plan">
            {result.plan.map((step, index) => (
              <li key={String(index)}>
                <PlanStepText step={step} />
              </li>
            ))}
          </ol>
        </>
      ) : null}
      {trace?.candidates ? <Candidates candidates={trace.candidates} /> : null}
      {trace?.budgets?.length ? (
        <p>
          Budgets checked:{" "}
          {trace.budgets
            .map((budget) => `${budget.name} ${pct(budget.used_pct)} used (${budget.action})`)
            .join(", ")}
        </p>
      ) : null}
      <ul class="meta">
        {result.notes.map((note) => (
          <li key={note}>{note}</li>
        ))}
      </ul>
    </div>
  );
}

function PlanStepText({ step }: { step: PlanStep }) {
  if (step.kind === "attempt") {
    return (
      <>
        <code>
          {step.provider} / {step.model}
        </code>
        {step.timeout_ms ? ` (timeout ${step.timeout_ms} ms)` : ""}
      </>
    );
  }
  if (step.kind === "cascade") {
    return (
      <>cascade: {(step.steps ?? []).map((item) => item.models.join(" or ")).join(", then ")}</>
    );
  }
  return (
    <>
      ensemble ({step.aggregation}):{" "}
      {(step.members ?? [])
        .map((member) => `${member.models.join(" or ")} ×${member.weight}`)
        .join(", ")}
    </>
  );
}
