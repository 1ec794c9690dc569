// One request re-decided (POST /logs/{request_id}/replay): the recorded decision from its trace
// beside what the data plane's `planRoute` decides with another routing config, from the same
// recorded features, and, when asked, the request re-sent with that config deciding. Health
// starts empty for the decision (every target healthy, no latency samples), which the answer says.
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { estimateCostUsd } from "#shared/pricing/cost.ts";
import {
  EXPECTED_OUTPUT_TOKENS,
  HealthTracker,
  leafAttempts,
  planRoute,
  type RoutePlan,
} from "../../dataplane/in-process.ts";
import { notFound } from "../api/errors.ts";
import type { Database } from "../db/client.ts";
import type { ReplayView } from "../modules/experiments/model.ts";
import { findRoutingConfig, getVersion } from "../modules/routing-configs/service.ts";
import { replayKey, replayRuntimeConfig, resolveCandidateConfig } from "./replay-config.ts";
import { resendRequest } from "./resend-request.ts";
import type { ResponseComparison } from "./response-comparison.ts";
import { budgetUsedPct } from "./routing-replay.ts";
import { seededRandom, seedOf } from "./seeded-random.ts";

/** The slug a candidate is planned under when the request named a model, not a config. */
const DIRECT_SLUG = "replay-candidate";

type LogRow = Record<string, unknown>;

export interface ResendOptions {
  secretBox: SecretBox;
  spendCapUsd: number | null;
  comparison: ResponseComparison;
}

/** With `resend`, the request is also re-sent through a replay plane (resend-request.ts). */
export async function replayRequest(
  db: Database,
  orgId: string,
  row: LogRow,
  routingConfig: unknown,
  resend: ResendOptions | null = null,
): Promise<ReplayView> {
  const projectId = String(row.project_id);
  const recordedSlug = (row.config_slug as string | null) ?? null;
  const slug = recordedSlug ?? DIRECT_SLUG;
  const scope = { orgId, projectId, slug };
  const candidate = await resolveCandidateConfig(
    db,
    scope,
    await currentVersionOf(db, projectId, routingConfig),
    "body.routing_config",
  );
  const runtime = await replayRuntimeConfig(db, scope, candidate.config);
  const at = Date.parse(String(row.created_at));
  const notes = ["health not replayed: every target counted healthy, without latency samples"];
  if (!recordedSlug)
    notes.push(
      "the request named a model directly; the candidate is planned as if it had named the config",
    );

  let plan: RoutePlan | null = null;
  let error: string | null = null;
  try {
    plan = planRoute(
      runtime,
      replayKey(orgId, projectId, (row.key_id as string) ?? null),
      `@${slug}`,
      {
        requestId: String(row.request_id),
        features: {
          inputTokens: Math.max(1, Number(row.req_input_tokens ?? row.input_tokens ?? 1)),
          hasTools: row.req_has_tools === true,
          hasImages: row.req_has_images === true,
          wantsJson: row.req_wants_json === true,
          stream: row.stream === true,
          maxTokens: (row.req_max_tokens as number | null) ?? null,
          temperature: (row.req_temperature as number | null) ?? null,
        },
        tags: (row.tags as Record<string, string> | null) ?? {},
        user: (row.end_user as string | null) ?? null,
        conversationId: (row.conversation_id as string | null) ?? null,
        budgetUsedPct: budgetUsedPct(row.budgets),
        nowMs: Number.isFinite(at) ? at : Date.now(),
        health: new HealthTracker({ now: () => at }),
        random: seededRandom(seedOf(String(row.request_id))),
      },
    );
  } catch (thrown) {
    if (!(thrown instanceof GatewayError)) throw thrown;
    error = thrown.message;
  }

  const sent = resend
    ? await resendRequest({
        db,
        secretBox: resend.secretBox,
        scope,
        candidate: candidate.config,
        row,
        spendCapUsd: resend.spendCapUsd,
        comparison: resend.comparison,
      })
    : null;
  if (sent)
    notes.push(
      "re-sent through a private replay data plane: not in the warehouse, analytics or budgets",
    );
  const planned = plan ? leafAttempts(plan) : [];
  const first = planned[0] ?? null;
  const outputTokens =
    Number(row.output_tokens ?? 0) ||
    ((row.req_max_tokens as number | null) ?? EXPECTED_OUTPUT_TOKENS);
  const inputTokens = Number(row.input_tokens ?? 0) || Number(row.req_input_tokens ?? 0);
  return {
    request_id: String(row.request_id),
    created_at: String(row.created_at),
    project_id: projectId,
    same_decision:
      first !== null && first.model === row.model && first.provider.name === row.provider,
    baseline: {
      config: recordedSlug
        ? { slug: recordedSlug, version: (row.config_version as number | null) ?? null }
        : null,
      strategy: (row.strategy as string | null) ?? null,
      model: (row.model as string | null) ?? null,
      provider: (row.provider as string | null) ?? null,
      status: Number(row.status ?? 0),
      cost_usd: (row.cost_usd as number | null) ?? null,
      latency_ms: (row.latency_ms as number | null) ?? null,
      trace: parseTrace(row.trace),
    },
    candidate: {
      config: { slug, source: candidate.source },
      strategy: plan?.strategy ?? null,
      resolved: plan?.resolved ?? null,
      reason: plan?.reason ?? "",
      decision: { winner: first?.model ?? null, provider: first?.provider.name ?? null },
      candidates: plan?.candidates.map((entry) => ({ ...entry })) ?? [],
      planned: planned.map((attempt) => ({
        kind: "attempt",
        provider: attempt.provider.name,
        model: attempt.model,
      })),
      estimated_cost_usd: first
        ? estimateCostUsd(first.info.price, inputTokens, outputTokens)
        : null,
      ab_variant: plan?.abVariant ?? null,
      error,
    },
    sent,
    notes,
  };
}

/** A bare slug names that config's current version: `slug@<current>`. */
export async function currentVersionOf(
  db: Database,
  projectId: string,
  value: unknown,
): Promise<unknown> {
  if (typeof value !== "string" || !/^@?[a-z0-9][a-z0-9_-]{0,62}$/.test(value)) return value;
  const slug = value.replace(/^@/, "");
  const head = await findRoutingConfig(db, projectId, slug);
  if (!head) throw notFound("routing_config", slug);
  const current = await getVersion(db, head, head.current_version);
  return `${slug}@${current.version}`;
}

function parseTrace(text: unknown): Record<string, unknown> {
  if (typeof text !== "string") return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { unparsed: text };
  } catch {
    return { unparsed: text };
  }
}
