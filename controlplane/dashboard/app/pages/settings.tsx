// Settings: the chosen project's name and settings (limits, content capture and redaction,
// retention, bare model names, callers' provider keys), and how to connect Claude Code or another
// MCP client to this control plane. Operations: get_project, update_project; the MCP tools are
// the same operations.
import { useState } from "preact/hooks";
import { op } from "../api.ts";
import { useApp, useCan } from "../session.ts";
import { ErrorNote, PageTitle, Status, useAction, useLoad } from "../ui.tsx";
import { formFields } from "./admin-kit.tsx";

interface ProjectSettings {
  rpm_limit: number | null;
  tpm_limit: number | null;
  auto_resolve_bare_model: boolean;
  capture_content: boolean;
  redaction: { enabled: boolean; builtin: string[]; patterns: string[]; replacement: string };
  trace_retention_days: number;
  provider_keys: "allow" | "require" | "forbid";
}
interface ProjectDetail {
  id: string;
  name: string;
  slug: string;
  settings: ProjectSettings;
}

const DETECTORS = ["email", "phone", "credit_card", "ip_address", "api_key"];

export function Settings() {
  const { projectId } = useApp();
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Settings</PageTitle>
      {projectId ? <ProjectSettingsForm key={projectId} projectId={projectId} /> : null}
      <McpSnippet />
    </section>
  );
}

const optionalNumber = (text: string) => (text === "" ? null : Number(text));

function ProjectSettingsForm({ projectId }: { projectId: string }) {
  const project = useLoad(() => op<ProjectDetail>("GET", `/projects/${projectId}`), [projectId]);
  const [saved, setSaved] = useState(false);
  const action = useAction(() => {
    setSaved(true);
    project.reload();
  });
  const can = useCan("admin");
  const save = (event: Event) => {
    const { form, get } = formFields(event);
    const checked = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).checked;
    const builtin = [...form.querySelectorAll<HTMLInputElement>("input[name=builtin]:checked")].map(
      (input) => input.value,
    );
    const body = {
      name: get("name"),
      settings: {
        rpm_limit: optionalNumber(get("rpm_limit")),
        tpm_limit: optionalNumber(get("tpm_limit")),
        auto_resolve_bare_model: checked("auto_resolve_bare_model"),
        capture_content: checked("capture_content"),
        redaction: { enabled: checked("redaction_enabled"), builtin },
        trace_retention_days: Number(get("trace_retention_days")),
        provider_keys: get("provider_keys"),
      },
    };
    setSaved(false);
    void action.run(() => op("PATCH", `/projects/${projectId}`, { body }));
  };
  return (
    <section aria-labelledby="project-settings-title">
      <h2 id="project-settings-title">Project</h2>
      <Status loaded={project}>
        {(data) => (
          <form class="stack" onSubmit={save} aria-label="Project settings">
            <fieldset disabled={!can.allowed} title={can.why || undefined}>
              <label>
                Name
                <input name="name" defaultValue={data.name} required />
              </label>
              <p class="meta">
                Slug <code>{data.slug}</code> · id <code>{data.id}</code>
              </p>
              <label>
                Requests per minute per key (empty: no limit)
                <input
                  name="rpm_limit"
                  type="number"
                  min={1}
                  defaultValue={data.settings.rpm_limit ?? ""}
                />
              </label>
              <label>
                Tokens per minute per key (empty: no limit)
                <input
                  name="tpm_limit"
                  type="number"
                  min={1}
                  defaultValue={data.settings.tpm_limit ?? ""}
                />
              </label>
              <label>
                Days the request log keeps
                <input
                  name="trace_retention_days"
                  type="number"
                  min={1}
                  max={3650}
                  required
                  defaultValue={data.settings.trace_retention_days}
                />
              </label>
              <label class="inline">
                <input
                  name="capture_content"
                  type="checkbox"
                  defaultChecked={data.settings.capture_content}
                />
                Capture prompts and answers with the request log
              </label>
              <label class="inline">
                <input
                  name="redaction_enabled"
                  type="checkbox"
                  defaultChecked={data.settings.redaction.enabled}
                />
                Redact captured content
              </label>
              <fieldset>
                <legend>Built-in redactions</legend>
                {DETECTORS.map((detector) => (
                  <label key={detector} class="inline">
                    <input
                      type="checkbox"
                      name="builtin"
                      value={detector}
                      defaultChecked={data.settings.redaction.builtin.includes(detector)}
                    />{" "}
                    {detector.replace("_", " ")}
                  </label>
                ))}
              </fieldset>
              <label class="inline">
                <input
                  name="auto_resolve_bare_model"
                  type="checkbox"
                  defaultChecked={data.settings.auto_resolve_bare_model}
                />
                Resolve bare model names (gpt-*, claude-*) to a provider
              </label>
              <label>
                Callers' own provider keys (X-Modelux-Provider-Key)
                <select name="provider_keys" defaultValue={data.settings.provider_keys}>
                  <option value="allow">allow</option>
                  <option value="require">require</option>
                  <option value="forbid">forbid</option>
                </select>
              </label>
              {can.allowed ? (
                <button type="submit" class="primary" disabled={action.busy}>
                  Save settings
                </button>
              ) : (
                <p class="meta">Changing settings {can.why}.</p>
              )}
            </fieldset>
            <ErrorNote message={action.error} />
            {saved && !action.error ? <p role="status">Saved.</p> : null}
          </form>
        )}
      </Status>
    </section>
  );
}

function McpSnippet() {
  const url = `${location.origin}/mcp`;
  const claude = `claude mcp add --transport http modelux ${url} --header "Authorization: Bearer mlx_mk_…"`;
  const json = JSON.stringify(
    {
      mcpServers: {
        modelux: { type: "http", url, headers: { Authorization: "Bearer mlx_mk_…" } },
      },
    },
    null,
    2,
  );
  return (
    <section aria-labelledby="mcp-title">
      <h2 id="mcp-title">Connect an MCP client</h2>
      <p>
        Every Management API operation is an MCP tool at <code>{url}</code> (streamable HTTP), with
        a management key's role. Make a key on the API keys page and put it in place of{" "}
        <code>mlx_mk_…</code>.
      </p>
      <h3>Claude Code</h3>
      <Snippet text={claude} label="Claude Code command" />
      <h3>Other clients (mcpServers JSON)</h3>
      <Snippet text={json} label="mcpServers JSON" />
    </section>
  );
}

function Snippet({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <figure class="snippet">
      <figcaption class="meta">{label}</figcaption>
      <pre>
        <code>{text}</code>
      </pre>
      <button
        type="button"
        onClick={() =>
          navigator.clipboard?.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? "Copied" : `Copy the ${label}`}
      </button>
    </figure>
  );
}
