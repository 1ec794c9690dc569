// The everyday verbs: `logs tail`, `trace <request id>`, `experiments run`, `keys create`.
import { parse as parseYaml, stringify } from "yaml";
import type { ManagementClient } from "../client.ts";
import { clientFrom, EXIT, type Io, UsageError } from "../io.ts";
import type { GlobalFlags } from "./config-as-code.ts";

/** A project named by slug (or given by id) → its id. */
async function projectId(client: ManagementClient, project: string | undefined): Promise<string> {
  if (!project) throw new UsageError("--project <slug> is required");
  const projects = await client.list<{ id: string; slug: string }>("/projects");
  const found = projects.find((item) => item.slug === project || item.id === project);
  if (!found) throw new UsageError(`no project ${project} in this org`);
  return found.id;
}

interface LogRow {
  request_id: string;
  created_at: string;
  status: number;
  config_slug: string | null;
  requested_model: string;
  model: string | null;
  provider: string | null;
  latency_ms: number | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

export function logLine(row: LogRow): string {
  const route = row.config_slug ? `@${row.config_slug}` : row.requested_model;
  const latency = row.latency_ms === null ? "-" : `${Math.round(row.latency_ms)}ms`;
  return [
    row.created_at,
    row.status,
    route,
    `${row.provider ?? "-"}/${row.model ?? "-"}`,
    latency,
    `${row.input_tokens}+${row.output_tokens}tok`,
    `$${row.cost_usd.toFixed(6)}`,
    row.request_id,
  ].join(" ");
}

/** Rows reach the warehouse a few seconds late and not in order: each poll looks this far back. */
const LOOKBACK_MS = 60_000;
const SEEN_LIMIT = 10_000;

export async function logsTailCommand(
  flags: GlobalFlags & { project?: string; lines?: number; interval?: number; once?: boolean },
  io: Io,
): Promise<number> {
  const client = clientFrom(flags, io);
  const filter = flags.project ? { project_id: await projectId(client, flags.project) } : {};
  const sleep = io.sleep ?? ((milliseconds: number) => Bun.sleep(milliseconds));
  const seen = new Set<string>();
  const print = (rows: LogRow[]) => {
    for (const row of rows.reverse()) {
      if (seen.has(row.request_id)) continue;
      seen.add(row.request_id);
      io.out(`${logLine(row)}\n`);
    }
    // Forget the oldest ids; a row that old is past the look-back anyway.
    for (const id of seen) {
      if (seen.size <= SEEN_LIMIT) break;
      seen.delete(id);
    }
  };
  const first = await client.request<LogRow[]>("GET", "/logs", {
    query: { ...filter, limit: flags.lines ?? 10 },
  });
  print(first);
  if (flags.once) return EXIT.ok;
  let newest = first[0]?.created_at ?? new Date().toISOString();
  // What the look-back would find already there is not new: only what arrives from now on is.
  const start = new Date(Date.parse(newest) - LOOKBACK_MS).toISOString();
  for (const row of await client.list<LogRow>("/logs", { ...filter, start }))
    seen.add(row.request_id);
  while (!io.signal?.aborted) {
    await sleep((flags.interval ?? 2) * 1000);
    if (io.signal?.aborted) break;
    const start = new Date(Date.parse(newest) - LOOKBACK_MS).toISOString();
    const rows = await client.list<LogRow>("/logs", { ...filter, start });
    if (rows[0] && rows[0].created_at > newest) newest = rows[0].created_at;
    print(rows);
  }
  return EXIT.ok;
}

export async function traceCommand(
  flags: GlobalFlags & { requestId?: string; json?: boolean },
  io: Io,
): Promise<number> {
  if (!flags.requestId) throw new UsageError("usage: modelux trace <request id>");
  const client = clientFrom(flags, io);
  const trace = await client.request("GET", `/logs/${encodeURIComponent(flags.requestId)}/trace`);
  io.out(flags.json ? `${JSON.stringify(trace, null, 2)}\n` : stringify(trace, { lineWidth: 0 }));
  return EXIT.ok;
}

const FINISHED = new Set(["completed", "failed", "cancelled"]);

interface ExperimentView {
  id: string;
  status: string;
  progress: number;
  verdict: string | null;
  error: string | null;
  baseline_summary: unknown;
  candidate_summary: unknown;
  comparison: unknown;
  criteria: unknown;
}

/** A candidate given as `slug@version`, or a YAML/JSON file holding a routing config. */
async function candidateOf(candidate: string | undefined): Promise<unknown> {
  if (!candidate) throw new UsageError("--candidate <slug@version | file> is required");
  if (/^@?[a-z0-9][a-z0-9_-]{0,62}@\d+$/.test(candidate)) return candidate;
  const file = Bun.file(candidate);
  if (!(await file.exists()))
    throw new UsageError(`--candidate: ${candidate} is neither slug@version nor a file`);
  return parseYaml(await file.text());
}

/** `24h`, `30m`, `7d` → milliseconds. */
function durationMs(text: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`--since: ${text} is not a duration like 30m, 24h or 7d`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

export async function experimentsRunCommand(
  flags: GlobalFlags & {
    project?: string;
    baseline?: string;
    candidate?: string;
    name?: string;
    since?: string;
    mode?: string;
    sampleSize?: number;
    spendCap?: number;
    wait?: boolean;
    interval?: number;
  },
  io: Io,
): Promise<number> {
  if (!flags.baseline) throw new UsageError("--baseline <config slug> is required");
  const candidate = await candidateOf(flags.candidate);
  const client = clientFrom(flags, io);
  const end = new Date();
  const start = new Date(end.getTime() - durationMs(flags.since ?? "24h"));
  const created = await client.request<ExperimentView>("POST", "/experiments", {
    body: {
      name:
        flags.name ?? `${flags.baseline} vs ${typeof candidate === "string" ? candidate : "file"}`,
      project_id: await projectId(client, flags.project),
      baseline_config: flags.baseline,
      candidate_config: candidate,
      window_start: start.toISOString(),
      window_end: end.toISOString(),
      ...(flags.mode ? { mode: flags.mode } : {}),
      ...(flags.sampleSize ? { sample_size: flags.sampleSize } : {}),
      ...(flags.spendCap ? { spend_cap_usd: flags.spendCap } : {}),
    },
  });
  io.err(`experiment ${created.id} queued\n`);
  if (flags.wait === false) {
    io.out(`${created.id}\n`);
    return EXIT.ok;
  }
  const sleep = io.sleep ?? ((milliseconds: number) => Bun.sleep(milliseconds));
  let experiment = created;
  while (!FINISHED.has(experiment.status)) {
    await sleep((flags.interval ?? 1) * 1000);
    experiment = await client.request<ExperimentView>("GET", `/experiments/${created.id}`);
  }
  const { id, status, verdict, error, baseline_summary, candidate_summary, comparison, criteria } =
    experiment;
  io.out(
    stringify(
      { id, status, verdict, error, baseline_summary, candidate_summary, comparison, criteria },
      { lineWidth: 0 },
    ),
  );
  // A CI step can gate on it: a run that failed, or a candidate found worse, exits 1.
  return status === "completed" && verdict !== "fail" ? EXIT.ok : EXIT.failed;
}

export async function keysCreateCommand(
  flags: GlobalFlags & { project?: string; name?: string; expiresAt?: string; rpmLimit?: number },
  io: Io,
): Promise<number> {
  if (!flags.name) throw new UsageError("--name <key name> is required");
  const client = clientFrom(flags, io);
  const created = await client.request<{ id: string; key: string; prefix: string }>(
    "POST",
    "/api-keys",
    {
      body: {
        project_id: await projectId(client, flags.project),
        name: flags.name,
        ...(flags.expiresAt ? { expires_at: flags.expiresAt } : {}),
        ...(flags.rpmLimit ? { rpm_limit: flags.rpmLimit } : {}),
      },
    },
  );
  io.err(`created ${created.id} (${flags.name}); the key is shown this once:\n`);
  io.out(`${created.key}\n`);
  return EXIT.ok;
}
