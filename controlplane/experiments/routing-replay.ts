// routing_only replay (DESIGN §9, docs/experiments.md): each historical request re-decided by the
// data plane's own `planRoute` with the candidate config, from the features recorded with it,
// in time order, with a HealthTracker fed the window's observations up to that moment (its
// clock is the replay's), then its outcome predicted from what the chosen model did in the
// window. Pure computation: the caller loads the rows and writes the results.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  type FailureKind,
  HealthTracker,
  healthKey,
  orgScopedKey,
  type PlanStep,
  planRoute,
  type RoutingInput,
  type RuntimeConfig,
} from "../../dataplane/in-process.ts";
import type { CandidateResultRow, Columns } from "./experiment-duckdb.ts";
import type { Profiles } from "./outcomes.ts";
import { predictOutcome, recordedRow, unservable } from "./predict-outcome.ts";
import { replayKey } from "./replay-config.ts";
import { seededRandom } from "./seeded-random.ts";

export interface RoutingReplayInput {
  runtime: RuntimeConfig;
  orgId: string;
  projectId: string;
  /** The baseline's slug: the candidate is compiled under it. */
  slug: string;
  /** experiment_rows.sql, in time order. */
  rows: Columns;
  /** experiment_observations.sql, in time order. */
  observations: Columns;
  profiles: Profiles;
  seed: number;
  /** Called every CHUNK requests with the count done; false stops the replay (cancelled). */
  onProgress?: (done: number) => Promise<boolean>;
}

export interface ReplayNotes {
  /** Models the candidate chose that did nothing in the window: their outcome is the recorded one. */
  unobserved_models: string[];
  /**
   * Requests whose candidate outcome is the recorded one although the candidate chose another
   * model: client errors, and models with no observations in the window.
   */
  borrowed_outcomes: number;
  /** Requests the candidate config cannot serve at all (no eligible target). */
  unroutable_requests: number;
  unroutable_reasons: string[];
  /** Requests whose first candidate step is a cascade or an ensemble (approximated by its first model). */
  composite_decisions: number;
}

export class ReplayCancelled extends Error {
  override name = "ReplayCancelled";
}

const CHUNK = 2_000;
const EMPTY_TAGS: Readonly<Record<string, string>> = Object.freeze({});

export async function replayRouting(input: RoutingReplayInput): Promise<{
  results: CandidateResultRow[];
  notes: ReplayNotes;
}> {
  const { runtime, rows, observations, profiles } = input;
  let clock = 0;
  const health = new HealthTracker({ now: () => clock });
  const routingRandom = seededRandom(input.seed);
  const outcomeRandom = seededRandom(input.seed ^ 0x5bd1e995);
  const feed = observationFeeder(runtime, input.orgId, health, observations, (ms) => {
    clock = ms;
  });
  const key = replayKey(input.orgId, input.projectId, null);
  const model = `@${input.slug}`;
  const unobserved = new Set<string>();
  const unroutableReasons = new Map<string, number>();
  const notes: ReplayNotes = {
    unobserved_models: [],
    borrowed_outcomes: 0,
    unroutable_requests: 0,
    unroutable_reasons: [],
    composite_decisions: 0,
  };

  const count = rows.request_id?.length ?? 0;
  const results: CandidateResultRow[] = new Array(count);
  for (let index = 0; index < count; index++) {
    if (index > 0 && index % CHUNK === 0 && input.onProgress && !(await input.onProgress(index)))
      throw new ReplayCancelled("cancelled");
    const at = rows.at_ms?.[index] as number;
    feed(at);
    clock = at;
    const row = recordedRow(rows, index);
    const routing: RoutingInput = {
      requestId: row.requestId,
      features: {
        inputTokens: Math.max(1, row.requestInputTokens),
        hasTools: rows.req_has_tools?.[index] === true,
        hasImages: rows.req_has_images?.[index] === true,
        wantsJson: rows.req_wants_json?.[index] === true,
        stream: rows.stream?.[index] === true,
        maxTokens: (rows.req_max_tokens?.[index] as number | null) ?? null,
        temperature: (rows.req_temperature?.[index] as number | null) ?? null,
      },
      tags: parseTags(rows.tags_json?.[index]),
      user: (rows.end_user?.[index] as string | null) ?? null,
      conversationId: (rows.conversation_id?.[index] as string | null) ?? null,
      budgetUsedPct: budgetUsedPct(rows.budgets?.[index]),
      nowMs: at,
      health,
      random: routingRandom,
    };
    let steps: PlanStep[];
    try {
      steps = planRoute(runtime, key, model, routing).steps;
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code === "internal") throw error;
      notes.unroutable_requests++;
      unroutableReasons.set(error.message, (unroutableReasons.get(error.message) ?? 0) + 1);
      results[index] = unservable(row.requestId, error.status);
      continue;
    }
    if (steps[0] && steps[0].kind !== "attempt") notes.composite_decisions++;
    const result = predictOutcome(steps, row, profiles, outcomeRandom, unobserved);
    if (result.borrowed) notes.borrowed_outcomes++;
    results[index] = result;
  }
  notes.unobserved_models = [...unobserved].sort();
  notes.unroutable_reasons = [...unroutableReasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([reason, times]) => `${times}× ${reason}`);
  return { results, notes };
}

/**
 * Feeds the tracker every observation made before `until` (ms), at its own time: successes with
 * their latency and TTFT, failures as failures. Providers are named in rows; health keys use ids.
 */
function observationFeeder(
  runtime: RuntimeConfig,
  orgId: string,
  health: HealthTracker,
  observations: Columns,
  setClock: (ms: number) => void,
): (until: number) => void {
  const count = observations.at_ms?.length ?? 0;
  const ids = new Map<string, string | null>();
  const providerId = (name: string) => {
    let id = ids.get(name);
    if (id === undefined) {
      id = runtime.providersByName.get(orgScopedKey(orgId, name))?.id ?? null;
      ids.set(name, id);
    }
    return id;
  };
  let next = 0;
  return (until) => {
    while (next < count && (observations.at_ms?.[next] as number) < until) {
      const index = next++;
      setClock(observations.at_ms?.[index] as number);
      const id = providerId(observations.provider?.[index] as string);
      if (id === null) continue;
      const key = healthKey(id, observations.model?.[index] as string);
      if (observations.failed?.[index] === true) {
        health.recordFailure(key, observations.failure_kind?.[index] as FailureKind);
        continue;
      }
      const latencyMs = observations.latency_ms?.[index] as number | null;
      if (latencyMs === null) continue;
      const ttftMs = observations.ttft_ms?.[index] as number | null;
      health.recordSuccess(key, ttftMs === null ? { latencyMs } : { latencyMs, ttftMs });
    }
  };
}

function parseTags(text: unknown): Readonly<Record<string, string>> {
  if (typeof text !== "string") return EMPTY_TAGS;
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    return EMPTY_TAGS;
  }
}

/** The highest `used_pct` among the budgets recorded with a request (its `budgets` JSON). */
export function budgetUsedPct(text: unknown): number {
  if (typeof text !== "string") return 0;
  try {
    const budgets = JSON.parse(text) as Array<{ used_pct?: number }>;
    return budgets.reduce((highest, budget) => Math.max(highest, budget.used_pct ?? 0), 0);
  } catch {
    return 0;
  }
}
