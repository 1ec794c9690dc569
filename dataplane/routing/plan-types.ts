// The shapes of a route plan: the ordered steps one request will try, the candidates the
// decision trace shows, and what routing reads besides the config; with the default retry
// conditions and the one way an attempt is made from a leaf.
import type { ModelInfo } from "#shared/pricing/catalog.ts";
import type { RoutingConfig } from "#shared/routing/config-schema.ts";
import type { ProviderKeyIdentity } from "../pipeline/provider-keys.ts";
import type { RuntimeProvider } from "../snapshot/snapshot-tables.ts";
import type { Leaf } from "./compiled-target.ts";
import type { HealthKey, HealthTracker } from "./health.ts";
import type { RequestFeatures } from "./request-features.ts";

/** Upstream failures after which the next attempt is tried (`retry_on`). */
export type RetryCondition = "429" | "5xx" | "timeout";
export const DEFAULT_RETRY_ON: ReadonlySet<RetryCondition> = new Set(["429", "5xx", "timeout"]);

/** A cascade step's `accept` as written (undefined: the default check). */
export type AcceptSpec = Extract<RoutingConfig, { strategy: "cascade" }>["steps"][number]["accept"];

export interface Attempt {
  kind: "attempt";
  provider: RuntimeProvider;
  model: string;
  healthKey: HealthKey;
  info: ModelInfo;
  timeoutMs: number | null;
  /** Position of this attempt's entry in `RoutePlan.candidates`. */
  candidate: number;
  /**
   * Set when the attempt runs on the caller's own key (`X-Modelux-Provider-Key`): `provider` is
   * then a copy holding that key as its credential.
   */
  providerKey?: ProviderKeyIdentity;
}

export function attemptOf(leaf: Leaf, timeoutMs: number | null, candidate: number): Attempt {
  return {
    kind: "attempt",
    provider: leaf.provider,
    model: leaf.model,
    healthKey: leaf.healthKey,
    info: leaf.info,
    timeoutMs,
    candidate,
  };
}

export interface CascadePlanStep {
  attempts: Attempt[];
  accept: AcceptSpec;
  judge: Attempt[] | null;
  label: string;
}

export interface CascadeStep {
  kind: "cascade";
  label: string;
  steps: CascadePlanStep[];
}

export interface EnsembleStep {
  kind: "ensemble";
  label: string;
  members: Array<{ attempts: Attempt[]; weight: number; label: string }>;
  aggregation: "first_valid" | "weighted_vote" | "weighted_average" | "llm_judge";
  judge: Attempt[] | null;
  timeoutMs: number;
}

export type PlanStep = Attempt | CascadeStep | EnsembleStep;

export type CandidateStatus =
  | "planned"
  | "chosen"
  | "answered"
  | "failed"
  | "skipped"
  | "excluded"
  | "unused";

/** One target the strategy considered, as the decision trace shows it (DESIGN §6). */
export interface TraceCandidate {
  target: string;
  provider: string | null;
  model: string | null;
  status: CandidateStatus;
  reason: string;
  /** The configs the target was reached through, outermost first, when nested. */
  via?: string[];
  estimated_cost_usd?: number;
  latency_ms?: number;
}

export interface RoutePlan {
  resolved: "config" | "direct" | "auto";
  config: { slug: string; version: number } | null;
  strategy: string | null;
  steps: PlanStep[];
  retryOn: ReadonlySet<RetryCondition>;
  totalBudgetMs: number | null;
  candidates: TraceCandidate[];
  abVariant: string | null;
  /** Why the plan is ordered as it is, in a sentence. */
  reason: string;
  cacheEnabled: boolean;
}

/** What routing reads besides the config: the request and this node's observations. */
export interface RoutingInput {
  requestId: string;
  features: RequestFeatures;
  tags: Readonly<Record<string, string>>;
  user: string | null;
  conversationId: string | null;
  /** Highest used fraction among the budgets that apply (0 when none). */
  budgetUsedPct: number;
  nowMs: number;
  health: HealthTracker;
  /** Uniform in [0, 1), for latency exploration. */
  random: () => number;
}
