// Routing configs: the list with where each is used; an editor whose validation errors are
// shown per field, at their line; a dry-run box (config-dry-run.tsx); versions side by side with
// a diff and rollback. Operations: list_routing_configs, get_routing_config, save_routing_config,
// update_routing_config, list_routing_config_versions, rollback_routing_config,
// dry_run_routing_config, list_experiments.
import { diffLines } from "diff";
import { useMemo, useRef, useState } from "preact/hooks";
import { Link, useLocation } from "wouter-preact";
import { ApiError, describeError, type FieldProblem, listAll, op } from "../api.ts";
import { lineOf, prettyWithLines } from "../json-lines.ts";
import { useApp } from "../session.ts";
import {
  ActionButton,
  ConfirmDialog,
  ErrorNote,
  ListTable,
  PageTitle,
  Status,
  useAction,
  useConfirm,
  useLoad,
  when,
} from "../ui.tsx";
import { DryRunBox } from "./config-dry-run.tsx";
import type { RoutingConfig } from "./trace.tsx";

interface Version {
  version: number;
  config: Record<string, unknown>;
  message: string | null;
  created_by: string | null;
  created_at: string;
}
interface Experiment {
  id: string;
  name: string;
  status: string;
  baseline_config: string;
  candidate_config: string | Record<string, unknown>;
}

/** Other configs naming `@slug`, and experiments with it as baseline or candidate. */
function usesOf(slug: string, configs: RoutingConfig[], experiments: Experiment[]) {
  const reference = new RegExp(`"@${slug}(@\\d+)?"`);
  return {
    configs: configs.filter(
      (config) => config.slug !== slug && reference.test(JSON.stringify(config.config)),
    ),
    experiments: experiments.filter(
      (experiment) =>
        experiment.baseline_config.replace(/^@/, "") === slug ||
        (typeof experiment.candidate_config === "string" &&
          experiment.candidate_config.replace(/^@/, "").split("@")[0] === slug) ||
        (typeof experiment.candidate_config === "object" &&
          reference.test(JSON.stringify(experiment.candidate_config))),
    ),
  };
}

function useConfigsAndExperiments() {
  const { projectId } = useApp();
  return useLoad(async () => {
    const query = { project_id: projectId ?? undefined };
    const [configs, experiments] = await Promise.all([
      listAll<RoutingConfig>("/routing-configs", query),
      listAll<Experiment>("/experiments", query),
    ]);
    return { configs, experiments };
  }, [projectId]);
}

export function Configs() {
  const loaded = useConfigsAndExperiments();
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Routing configs</PageTitle>
      <p>
        <Link href="/configs/new">New routing config</Link>
      </p>
      <Status loaded={loaded}>
        {({ configs, experiments }) => (
          <ListTable
            label="Routing configs"
            columns={[
              "Config",
              "Strategy",
              { label: "Version", class: "num" },
              "Description",
              "Used by",
              "Updated",
            ]}
            items={configs}
            row={(config) => {
              const uses = usesOf(config.slug, configs, experiments);
              return (
                <tr key={config.id}>
                  <td>
                    <Link href={`/configs/${config.id}`}>@{config.slug}</Link>
                  </td>
                  <td>{String(config.config.strategy ?? "")}</td>
                  <td class="num">{config.current_version}</td>
                  <td>{config.description ?? ""}</td>
                  <td>
                    {[
                      ...uses.configs.map((other) => `@${other.slug}`),
                      ...uses.experiments.map((experiment) => `experiment ${experiment.name}`),
                    ].join(", ") || "–"}
                  </td>
                  <td>{when(config.updated_at)}</td>
                </tr>
              );
            }}
          />
        )}
      </Status>
    </section>
  );
}

/** The JSON editor: client-side syntax errors, the API's field errors at their lines. */
function ConfigEditor({
  initial,
  onSave,
  saveLabel,
  extraFields,
  onText,
}: {
  initial: Record<string, unknown>;
  onSave(config: Record<string, unknown>, form: FormData): Promise<void>;
  saveLabel: string;
  extraFields?: preact.ComponentChildren;
  /** Told the text as it changes (the dry-run box plans with it). */
  onText?(text: string): void;
}) {
  const [text, setTextState] = useState(() => prettyWithLines(initial).text);
  const setText = (next: string) => {
    setTextState(next);
    onText?.(next);
  };
  const [problems, setProblems] = useState<Array<FieldProblem & { line: number | null }>>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const goToLine = (line: number | null) => {
    const element = area.current;
    if (!element || line === null) return;
    const lines = element.value.split("\n");
    const start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
    element.focus();
    element.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(null);
    setProblems([]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (thrown) {
      setError(`Not valid JSON: ${(thrown as Error).message}`);
      return;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      setError("A routing config is a JSON object.");
      return;
    }
    // Shown as the API will store it, so each field error's line is right.
    const pretty = prettyWithLines(parsed);
    setText(pretty.text);
    setBusy(true);
    try {
      await onSave(
        parsed as Record<string, unknown>,
        new FormData(event.currentTarget as HTMLFormElement),
      );
      setSaved("Saved.");
    } catch (thrown) {
      if (thrown instanceof ApiError && thrown.fields.length > 0) {
        setProblems(
          thrown.fields.map((problem) => ({
            ...problem,
            line: problem.field.startsWith("body.config.")
              ? lineOf(pretty.lines, problem.field.slice("body.config.".length))
              : null,
          })),
        );
        setError(thrown.message);
      } else {
        setError(describeError(thrown));
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="editor" onSubmit={submit} aria-label="Routing config editor">
      {extraFields}
      <label for="config-json">Config (JSON)</label>
      <textarea
        id="config-json"
        class="code"
        spellcheck={false}
        value={text}
        onInput={(event) => setText((event.target as HTMLTextAreaElement).value)}
        aria-invalid={problems.length > 0 || error !== null}
        aria-describedby="config-problems"
        rows={Math.min(30, text.split("\n").length + 2)}
      />
      <div id="config-problems">
        {problems.length > 0 ? (
          <ul class="field-errors" aria-label="Problems by field">
            {problems.map((problem) => (
              <li key={problem.field}>
                <button type="button" class="link" onClick={() => goToLine(problem.line)}>
                  {problem.line !== null ? `line ${problem.line}` : "config"}
                </button>{" "}
                <code>{problem.field.replace(/^body\.config\./, "")}</code>: {problem.message}
              </li>
            ))}
          </ul>
        ) : (
          <ErrorNote message={error} />
        )}
      </div>
      {saved ? (
        <p class="notice" role="status">
          {saved}
        </p>
      ) : null}
      <label>
        Change message
        <input name="message" placeholder="why this change" />
      </label>
      <div class="buttons">
        <ActionButton needs="developer" type="submit" class="primary" disabled={busy}>
          {saveLabel}
        </ActionButton>
      </div>
    </form>
  );
}

export function NewConfig() {
  const { projectId } = useApp();
  const [, navigate] = useLocation();
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link href="/configs">← Routing configs</Link>
      </p>
      <PageTitle>New routing config</PageTitle>
      <ConfigEditor
        initial={{ strategy: "single", model: "gpt-4o-mini" }}
        saveLabel="Create"
        extraFields={
          <label>
            Slug (used as model "@slug")
            <input name="slug" required pattern="[a-z0-9][a-z0-9_-]*" />
          </label>
        }
        onSave={async (config, form) => {
          const saved = await op<RoutingConfig>("POST", "/routing-configs", {
            body: {
              project_id: projectId,
              slug: String(form.get("slug") ?? ""),
              config,
              message: String(form.get("message") ?? "") || undefined,
            },
          });
          navigate(`/configs/${saved.id}`);
        }}
      />
    </section>
  );
}

export function ConfigDetail({ params }: { params: { id: string } }) {
  const [tick, setTick] = useState(0);
  const loaded = useLoad(async () => {
    const config = await op<RoutingConfig>("GET", `/routing-configs/${params.id}`);
    const versions = await listAll<Version>(`/routing-configs/${params.id}/versions`);
    return { config, versions };
  }, [params.id, tick]);
  const context = useConfigsAndExperiments();
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link href="/configs">← Routing configs</Link>
      </p>
      <Status loaded={loaded}>
        {({ config, versions }) => (
          <ConfigPage
            key={`${config.id}-${config.current_version}`}
            config={config}
            versions={versions}
            context={context.data}
            onChanged={() => setTick((value) => value + 1)}
          />
        )}
      </Status>
    </section>
  );
}

function ConfigPage({
  config,
  versions,
  context,
  onChanged,
}: {
  config: RoutingConfig;
  versions: Version[];
  context: { configs: RoutingConfig[]; experiments: Experiment[] } | null;
  onChanged(): void;
}) {
  // What the editor holds now: the dry run plans with it, saved or not.
  const [draft, setDraft] = useState(() => prettyWithLines(config.config).text);
  return (
    <>
      <PageTitle>{`@${config.slug}`}</PageTitle>
      <p>
        Version {config.current_version}
        {config.description ? ` · ${config.description}` : ""}
      </p>
      <ConfigEditor
        initial={config.config}
        saveLabel="Save a new version"
        onText={setDraft}
        onSave={async (body, form) => {
          await op("PATCH", `/routing-configs/${config.id}`, {
            body: { config: body, message: String(form.get("message") ?? "") || undefined },
          });
          onChanged();
        }}
      />
      <DryRunBox
        projectId={config.project_id}
        slug={config.slug}
        versions={[...versions].map((version) => version.version).sort((a, b) => b - a)}
        editorText={draft}
      />
      {context ? (
        <UsedBy slug={config.slug} configs={context.configs} experiments={context.experiments} />
      ) : null}
      <Versions
        key={`versions-${config.current_version}`}
        config={config}
        versions={versions}
        onRolledBack={onChanged}
      />
    </>
  );
}

function UsedBy({
  slug,
  configs,
  experiments,
}: {
  slug: string;
  configs: RoutingConfig[];
  experiments: Experiment[];
}) {
  const uses = usesOf(slug, configs, experiments);
  return (
    <section aria-labelledby="used-title">
      <h2 id="used-title">Where it is used</h2>
      {uses.configs.length + uses.experiments.length === 0 ? (
        <p class="empty">No other config or experiment names @{slug}.</p>
      ) : (
        <ul>
          {uses.configs.map((other) => (
            <li key={other.id}>
              config <Link href={`/configs/${other.id}`}>@{other.slug}</Link>
            </li>
          ))}
          {uses.experiments.map((experiment) => (
            <li key={experiment.id}>
              experiment <Link href={`/experiments/${experiment.id}`}>{experiment.name}</Link> (
              {experiment.status})
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Versions({
  config,
  versions,
  onRolledBack,
}: {
  config: RoutingConfig;
  versions: Version[];
  onRolledBack(): void;
}) {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const [from, setFrom] = useState(sorted[1]?.version ?? sorted[0]?.version ?? 1);
  const [to, setTo] = useState(sorted[0]?.version ?? 1);
  const action = useAction(onRolledBack);
  const rollback = useConfirm<number>(
    (version) =>
      void action.run(() =>
        op("POST", `/routing-configs/${config.id}/rollback`, {
          body: { version, message: `rolled back to version ${version} from the dashboard` },
        }),
      ),
  );
  const byVersion = new Map(versions.map((version) => [version.version, version]));
  const versionSelect = (label: string, value: number, set: (value: number) => void) => (
    <label>
      {label}
      <select
        value={String(value)}
        onChange={(event) => set(Number((event.target as HTMLSelectElement).value))}
      >
        {sorted.map((version) => (
          <option key={version.version} value={String(version.version)}>
            v{version.version}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      <ErrorNote message={action.error} />
      <ListTable
        label="Versions"
        columns={["Version", "Message", "When", ""]}
        items={sorted}
        row={(version) => (
          <tr key={version.version}>
            <td>
              v{version.version}
              {version.version === config.current_version ? " (current)" : ""}
            </td>
            <td>{version.message ?? ""}</td>
            <td>{when(version.created_at)}</td>
            <td>
              {version.version === config.current_version ? null : (
                <ActionButton
                  needs="developer"
                  onClick={() => rollback.ask(version.version)}
                  aria-label={`Roll back to version ${version.version}`}
                >
                  Roll back to v{version.version}
                </ActionButton>
              )}
            </td>
          </tr>
        )}
      />
      <h3>Compare</h3>
      <div class="filters">
        {versionSelect("From", from, setFrom)}
        {versionSelect("To", to, setTo)}
      </div>
      <SideBySide
        left={byVersion.get(from)?.config ?? {}}
        right={byVersion.get(to)?.config ?? {}}
        leftLabel={`v${from}`}
        rightLabel={`v${to}`}
      />
      <ConfirmDialog
        {...rollback.dialog}
        title={`Roll back @${config.slug} to version ${rollback.pending}?`}
        confirmLabel="Roll back"
      >
        <p>
          Its config becomes the current one again as a new version; every data plane serves it
          within seconds.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** Two versions' JSON side by side, lines removed on the left and added on the right. */
function SideBySide({
  left,
  right,
  leftLabel,
  rightLabel,
}: {
  left: Record<string, unknown>;
  right: Record<string, unknown>;
  leftLabel: string;
  rightLabel: string;
}) {
  const rows = useMemo(() => {
    const parts = diffLines(prettyWithLines(left).text + "\n", prettyWithLines(right).text + "\n");
    const leftLines: Array<{ text: string; kind: string }> = [];
    const rightLines: Array<{ text: string; kind: string }> = [];
    for (const part of parts) {
      const lines = part.value.replace(/\n$/, "").split("\n");
      if (part.added) for (const text of lines) rightLines.push({ text, kind: "added" });
      else if (part.removed) for (const text of lines) leftLines.push({ text, kind: "removed" });
      else {
        // Pad the shorter side so unchanged lines stay level.
        while (leftLines.length < rightLines.length) leftLines.push({ text: "", kind: "blank" });
        while (rightLines.length < leftLines.length) rightLines.push({ text: "", kind: "blank" });
        for (const text of lines) {
          leftLines.push({ text, kind: "same" });
          rightLines.push({ text, kind: "same" });
        }
      }
    }
    while (leftLines.length < rightLines.length) leftLines.push({ text: "", kind: "blank" });
    while (rightLines.length < leftLines.length) rightLines.push({ text: "", kind: "blank" });
    return { leftLines, rightLines };
  }, [left, right]);
  const changed = rows.leftLines.some((line) => line.kind !== "same");
  const column = (label: string, lines: Array<{ text: string; kind: string }>) => (
    <div>
      <h4>{label}</h4>
      <pre>
        {lines.map((line, index) => (
          <span key={String(index)} class={line.kind}>
            {line.kind === "removed" ? "- " : line.kind === "added" ? "+ " : "  "}
            {line.text || " "}
            {"\n"}
          </span>
        ))}
      </pre>
    </div>
  );
  return (
    <section aria-label={`Differences between ${leftLabel} and ${rightLabel}`}>
      {changed ? null : <p class="empty">The two versions are the same.</p>}
      <div class="diff">
        {column(leftLabel, rows.leftLines)}
        {column(rightLabel, rows.rightLines)}
      </div>
    </section>
  );
}
