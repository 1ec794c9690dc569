// A routing config's dry run as a Management API operation (dry_run_routing_config): the plan a
// sample request would get. A private data plane, opened through the data plane's library face
// (dataplane/in-process.ts), answers the sample with `X-Modelux-Dry-Run: true`: the same parsing,
// budget checks and planner as a node, no second planner. It serves the project's routing world
// as the publisher compiles it with the config at `slug`, the fleet's budget totals as Postgres
// holds them, and credentials nobody can open: nothing is sent upstream, nothing is logged.
import type * as v from "valibot";
import { hashKey, newSecretKey } from "#shared/ids/ids.ts";
import { openInProcessDataPlane, type TraceEmitter } from "../../../dataplane/in-process.ts";
import { invalidField, ManagementError } from "../../api/errors.ts";
import { readBudgetTotals } from "../../budgets/budget-broadcaster.ts";
import type { Tenant } from "../../db/tenant.ts";
import {
  replaySnapshotBody,
  resolveCandidateConfig,
  throwawayCredentials,
} from "../../experiments/replay-config.ts";
import { currentVersionOf } from "../../experiments/replay-request.ts";
import { getProject } from "../projects/service.ts";
import type { dryRunBody, dryRunView } from "./model.ts";

type DryRunInput = v.InferOutput<typeof dryRunBody>;
type DryRunView = v.InferInput<typeof dryRunView>;

/** The slug an unsaved config is planned under when the caller names none. */
export const DRY_RUN_SLUG = "dry-run";
const KEY_ID = "dry-run";
const PATHS = { openai: "/openai/v1/chat/completions", anthropic: "/anthropic/v1/messages" };
const NOTES = [
  "health as a data plane that has made no call yet sees it: every target healthy, no latency " +
    "samples (latency_optimized keeps its listed order, cascades and fallbacks start at the top)",
  "nothing was sent upstream, and the dry run is not in the request log or any budget",
];

const silentTraces: TraceEmitter = { emit: () => {} };

export async function dryRunRoutingConfig(tenant: Tenant, input: DryRunInput): Promise<DryRunView> {
  const { db, orgId } = tenant;
  const projectId = input.project_id;
  await getProject(tenant, projectId);
  if ("model" in input.request) {
    throw invalidField(
      "body.request.model",
      "leave it out: the sample is planned as a request for the config (model @slug)",
    );
  }
  const reference = await currentVersionOf(db, projectId, input.routing_config);
  const slug =
    input.slug ??
    (typeof reference === "string" ? reference.replace(/^@/, "").split("@")[0] : undefined) ??
    DRY_RUN_SLUG;
  const scope = { orgId, projectId, slug };
  const candidate = await resolveCandidateConfig(db, scope, reference, "body.routing_config");

  const secret = newSecretKey("proxy");
  const body = await replaySnapshotBody(db, scope, candidate.config, { budgets: true });
  const { box, sealed } = throwawayCredentials();
  body.providers = body.providers.map((provider) => ({ ...provider, credential: sealed }));
  body.api_keys = [
    {
      id: KEY_ID,
      org_id: orgId,
      project_id: projectId,
      name: "dry run",
      key_hash: hashKey(secret),
      rpm_limit: null,
      expires_at: null,
    },
  ];
  // The sample is the caller's, not a client's: per-key limits do not apply to it.
  body.projects = body.projects.map((project) => ({
    ...project,
    settings: { ...project.settings, rpm_limit: null, tpm_limit: null },
  }));
  const totals = await readBudgetTotals(db, Date.now());
  const opened = openInProcessDataPlane({
    nodeId: "dry-run",
    snapshot: body,
    secretBox: box,
    traces: silentTraces,
    random: Math.random,
    budgetState: { version: 1, ...totals },
  });
  if (!opened.opened) {
    throw invalidField("body.routing_config", `cannot be served: ${opened.reason}`);
  }
  const surface = input.surface ?? "openai";
  let response: Response;
  try {
    response = await opened.plane.handle(
      new Request(`http://dry-run.modelux.internal${PATHS[surface]}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${secret}`,
          "content-type": "application/json",
          "x-modelux-dry-run": "true",
        },
        body: JSON.stringify({ ...input.request, model: `@${slug}` }),
      }),
    );
  } finally {
    await opened.plane.close();
  }
  const answer = await readAnswer(response);
  const base = {
    project_id: projectId,
    config: { slug, source: candidate.source },
    surface,
    status: response.status,
    notes: [...NOTES],
  };
  if (response.ok && answer.dryRun) {
    const dryRun = answer.dryRun;
    return {
      ...base,
      would_serve: (dryRun.would_serve as DryRunView["would_serve"]) ?? null,
      plan: (dryRun.plan as DryRunView["plan"]) ?? [],
      trace: (dryRun["mlx:trace"] as DryRunView["trace"]) ?? null,
      error: null,
    };
  }
  const error = answer.error ?? {
    type: "error",
    message: `the data plane answered ${response.status}`,
  };
  // The sample itself is wrong: the caller's 400, naming it.
  if (response.status === 400 || response.status === 413 || response.status === 422) {
    throw invalidField("body.request", error.message);
  }
  if (response.status >= 500) {
    throw new ManagementError("internal", `the dry run failed: ${error.message}`);
  }
  // Refused as a node would refuse it (a budget at its cap: 402): that is the answer.
  return { ...base, would_serve: null, plan: [], trace: null, error };
}

interface Answer {
  dryRun: Record<string, unknown> | null;
  error: { type: string; message: string } | null;
}

/** The dry-run object (a JSON body, or inside a stream's events) or the error, either surface. */
async function readAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  const objects: unknown[] = [];
  if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    for (const line of text.split("\n")) {
      if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
      objects.push(parse(line.slice("data: ".length)));
    }
  } else {
    objects.push(parse(text));
  }
  for (const object of objects) {
    if (!isRecord(object)) continue;
    if (object.object === "modelux.dry_run") return { dryRun: object, error: null };
    // OpenAI's stream: the first chunk carries it; Anthropic's: its own event.
    if (isRecord(object["mlx:dry_run"])) return { dryRun: object["mlx:dry_run"], error: null };
    if (object.type === "mlx:dry_run" && isRecord(object.dry_run))
      return { dryRun: object.dry_run, error: null };
    // Both surfaces' error shapes carry {error: {type, message}}.
    if (isRecord(object.error)) {
      return {
        dryRun: null,
        error: {
          type: String(object.error.type ?? "error"),
          message: String(object.error.message ?? ""),
        },
      };
    }
  }
  return { dryRun: null, error: null };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
