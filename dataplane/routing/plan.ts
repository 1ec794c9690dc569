// Step 5 of the pipeline: the model field becomes an ordered plan of steps, each with the reason
// it is there (DESIGN §4, §6). `@slug` runs the config's strategy tree; `provider/model` and
// bare names are one attempt. The plan also carries the trace's candidate list.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { ModelInfo } from "#shared/pricing/catalog.ts";
import type { RuntimeApiKey, RuntimeConfig, RuntimeProvider } from "../snapshot/runtime-config.ts";
import type { HealthKey, HealthTracker } from "./health.ts";
import type { RequestFeatures } from "./request-features.ts";
import {
  type AcceptSpec,
  type CompiledConfig,
  type CompiledStrategy,
  type CompiledTarget,
  DEFAULT_RETRY_ON,
  type Leaf,
  type RetryCondition,
  type RouteTable,
  routeTableFor,
} from "./route-table.ts";
import { evaluateRules } from "./rules/evaluate.ts";
import { pickVariant, stickyKey, stickyPoint } from "./strategies/ab-test.ts";
import { costIneligibility, estimatedCostUsd } from "./strategies/cost-optimized.ts";
import { orderByLatency } from "./strategies/latency-optimized.ts";

export type { RetryCondition } from "./route-table.ts";

export interface Attempt {
  kind: "attempt";
  provider: RuntimeProvider;
  model: string;
  healthKey: HealthKey;
  info: ModelInfo;
  timeoutMs: number | null;
  /** Position of this attempt's entry in `RoutePlan.candidates`. */
  candidate: number;
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
  resolved: "config" | "direct" | "inferred";
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

const MAX_DEPTH = 4;

export function planRoute(
  config: RuntimeConfig,
  key: RuntimeApiKey,
  model: string,
  input: RoutingInput,
): RoutePlan {
  const table = routeTableFor(config);
  if (model.startsWith("@")) {
    const slug = model.slice(1);
    const compiled = table.configFor(key.projectId, slug);
    if (!compiled)
      throw new GatewayError("not_found", `routing config "@${slug}" not found in this project`, {
        param: "model",
      });
    if (compiled.error) throw compiled.error;
    const planner = new Planner(table, key, input, compiled);
    const steps = planner.expandConfig(compiled, 1, []);
    return planner.finish(steps);
  }
  const leaf = table.leafFor(key.orgId, key.projectId, model);
  const candidates: TraceCandidate[] = [
    {
      target: model,
      provider: leaf.provider.name,
      model: leaf.model,
      status: "planned",
      reason:
        model.indexOf("/") > 0 && leaf.model !== model
          ? "named directly"
          : "provider inferred from the model name",
    },
  ];
  return {
    // `provider/model` names its provider; a bare name had it inferred from its prefix.
    resolved: model.indexOf("/") > 0 && leaf.model !== model ? "direct" : "inferred",
    config: null,
    strategy: null,
    steps: [attemptOf(leaf, null, 0)],
    retryOn: DEFAULT_RETRY_ON,
    totalBudgetMs: null,
    candidates,
    abVariant: null,
    reason: candidates[0]?.reason ?? "",
    cacheEnabled: false,
  };
}

function attemptOf(leaf: Leaf, timeoutMs: number | null, candidate: number): Attempt {
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

/** Every attempt of a plan in order, composites flattened (for endpoints that cannot compose). */
export function leafAttempts(plan: RoutePlan): Attempt[] {
  return plan.steps.flatMap((step) => {
    if (step.kind === "attempt") return [step];
    if (step.kind === "cascade") return step.steps.flatMap((item) => item.attempts);
    return step.members.flatMap((member) => member.attempts);
  });
}

/** One request's expansion of a config tree. */
class Planner {
  readonly candidates: TraceCandidate[] = [];
  private retry: { retryOn: ReadonlySet<RetryCondition>; totalBudgetMs: number | null } | null =
    null;
  private abVariant: string | null = null;
  private reason = "";

  constructor(
    private readonly table: RouteTable,
    private readonly key: RuntimeApiKey,
    private readonly input: RoutingInput,
    private readonly root: CompiledConfig,
  ) {}

  finish(steps: PlanStep[]): RoutePlan {
    if (steps.length === 0) {
      const reasons = this.candidates
        .filter((candidate) => candidate.status === "excluded")
        .map((candidate) => `${candidate.target}: ${candidate.reason}`);
      throw new GatewayError(
        "invalid_request",
        `routing config "@${this.root.slug}" has no target that can serve this request${
          reasons.length ? ` (${reasons.join("; ")})` : ""
        }`,
        { param: "model" },
      );
    }
    return {
      resolved: "config",
      config: { slug: this.root.slug, version: this.root.version },
      strategy: this.root.strategy?.strategy ?? null,
      steps,
      retryOn: this.retry?.retryOn ?? DEFAULT_RETRY_ON,
      totalBudgetMs: this.retry?.totalBudgetMs ?? null,
      candidates: this.candidates,
      abVariant: this.abVariant,
      reason: this.reason,
      cacheEnabled: this.root.cacheEnabled,
    };
  }

  expandConfig(compiled: CompiledConfig, depth: number, via: string[]): PlanStep[] {
    const strategy = compiled.strategy as CompiledStrategy;
    const path = [...via, `@${compiled.slug}`];
    const top = depth === 1;
    switch (strategy.strategy) {
      case "single":
        if (top) this.reason = "single target";
        return this.expand(strategy.target, depth, path, null, "single target");
      case "fallback":
        return this.fallback(strategy, depth, path, top);
      case "cost_optimized":
        return this.costOptimized(strategy, depth, path, top);
      case "latency_optimized":
        return this.latencyOptimized(strategy, depth, path, top);
      case "ensemble":
        return this.ensemble(strategy, depth, path, top);
      case "ab_test":
        return this.abTest(strategy, compiled.slug, depth, path, top);
      case "cascade":
        return this.cascade(strategy, depth, path, top);
      case "custom_rules":
        return this.customRules(strategy, depth, path, top);
    }
  }

  /** A target's steps; a nested config expands in place (its own strategy decides). */
  private expand(
    target: CompiledTarget,
    depth: number,
    via: string[],
    timeoutMs: number | null,
    reason: string,
  ): PlanStep[] {
    switch (target.kind) {
      case "model": {
        const index = this.addCandidate(target, "planned", reason, via);
        return [attemptOf(target.leaf, timeoutMs, index)];
      }
      case "unresolvable":
        this.addCandidate(target, "excluded", target.error.message, via);
        return [];
      case "config": {
        const nested = this.table.configFor(this.key.projectId, target.slug);
        if (!nested) {
          this.addCandidate(target, "excluded", `routing config ${target.label} not found`, via);
          return [];
        }
        if (nested.error) {
          this.addCandidate(target, "excluded", nested.error.message, via);
          return [];
        }
        if (depth + 1 > MAX_DEPTH || via.includes(target.label)) {
          this.addCandidate(target, "excluded", "routing configs nest deeper than 4", via);
          return [];
        }
        const steps = this.expandConfig(nested, depth + 1, via);
        if (timeoutMs === null) return steps;
        return steps.map((step) =>
          step.kind === "attempt" && step.timeoutMs === null ? { ...step, timeoutMs } : step,
        );
      }
    }
  }

  /** A target that must end in plain attempts (ensemble members, cascade steps, judges). */
  private attemptsOf(target: CompiledTarget, depth: number, via: string[], reason: string) {
    const steps = this.expand(target, depth, via, null, reason);
    const attempts: Attempt[] = [];
    for (const step of steps) {
      if (step.kind === "attempt") attempts.push(step);
      else
        this.candidates.push({
          target: step.label,
          provider: null,
          model: null,
          status: "excluded",
          reason: `a ${step.kind} cannot be nested inside an ensemble or cascade`,
          via,
        });
    }
    return attempts;
  }

  private fallback(
    strategy: Extract<CompiledStrategy, { strategy: "fallback" }>,
    depth: number,
    via: string[],
    top: boolean,
  ): PlanStep[] {
    this.retry ??= { retryOn: strategy.retryOn, totalBudgetMs: strategy.totalBudgetMs };
    const steps = strategy.attempts.flatMap((attempt, index) =>
      this.expand(
        attempt.target,
        depth,
        via,
        attempt.timeoutMs,
        index === 0 ? "primary" : `fallback ${index}`,
      ),
    );
    const { kept, skipped } = this.skipUnhealthy(steps);
    if (top) {
      this.reason =
        skipped === 0
          ? "fallback chain in order"
          : `fallback chain in order; ${skipped} skipped as unhealthy`;
    }
    return kept;
  }

  /**
   * Drops attempts whose circuit is open or whose upstream asked to wait (retry-after), unless
   * that would leave nothing: then every attempt stays, in order, as a last resort.
   */
  private skipUnhealthy(steps: PlanStep[]): { kept: PlanStep[]; skipped: number } {
    const { health } = this.input;
    let skipped = 0;
    const kept: PlanStep[] = [];
    const marks: Array<{ candidate: number; reason: string }> = [];
    for (const step of steps) {
      if (step.kind !== "attempt") {
        kept.push(step);
        continue;
      }
      const state = health.state(step.healthKey);
      const waitMs = health.retryAfterRemainingMs(step.healthKey);
      if (state === "open") marks.push({ candidate: step.candidate, reason: "circuit open" });
      else if (waitMs > 0)
        marks.push({
          candidate: step.candidate,
          reason: `rate limited: retry-after ${Math.ceil(waitMs / 1000)} s left`,
        });
      else {
        kept.push(step);
        continue;
      }
      skipped++;
    }
    if (skipped === 0) return { kept, skipped };
    if (kept.length === 0) {
      for (const mark of marks)
        this.note(
          mark.candidate,
          "planned",
          `${mark.reason}; every target is unhealthy, tried anyway`,
        );
      return { kept: steps, skipped: 0 };
    }
    for (const mark of marks) this.note(mark.candidate, "skipped", mark.reason);
    return { kept, skipped };
  }

  private costOptimized(
    strategy: Extract<CompiledStrategy, { strategy: "cost_optimized" }>,
    depth: number,
    via: string[],
    top: boolean,
  ): PlanStep[] {
    const { features } = this.input;
    const ranked: Array<{ attempt: Attempt; cost: number; order: number }> = [];
    strategy.allowed.forEach((target, order) => {
      if (target.kind !== "model") {
        this.expand(
          target.kind === "config"
            ? {
                ...target,
                kind: "unresolvable",
                error: new GatewayError(
                  "invalid_request",
                  "cost_optimized ranks models; a @config cannot be priced",
                ),
              }
            : target,
          depth,
          via,
          null,
          "",
        );
        return;
      }
      const why = costIneligibility(
        target.leaf,
        { tier: strategy.tier, ...strategy.require },
        features,
      );
      if (why !== null) {
        this.addCandidate(target, "excluded", why, via);
        return;
      }
      const cost = estimatedCostUsd(target.leaf, features);
      const index = this.addCandidate(target, "planned", "", via);
      (this.candidates[index] as TraceCandidate).estimated_cost_usd = cost;
      ranked.push({ attempt: attemptOf(target.leaf, null, index), cost, order });
    });
    ranked.sort((a, b) => a.cost - b.cost || a.order - b.order);
    ranked.forEach((entry, position) => {
      const reason =
        position === 0
          ? `cheapest eligible at ~$${entry.cost.toPrecision(3)} for this request`
          : `${ordinal(position + 1)} cheapest eligible (~$${entry.cost.toPrecision(3)})`;
      this.note(entry.attempt.candidate, "planned", reason);
    });
    const { kept, skipped } = this.skipUnhealthy(ranked.map((entry) => entry.attempt));
    if (top) {
      this.reason = `cheapest of ${ranked.length} eligible model(s) at tier ${strategy.tier} or above${
        skipped ? `; ${skipped} skipped as unhealthy` : ""
      }`;
    }
    return kept;
  }

  private latencyOptimized(
    strategy: Extract<CompiledStrategy, { strategy: "latency_optimized" }>,
    depth: number,
    via: string[],
    top: boolean,
  ): PlanStep[] {
    const attempts: Attempt[] = [];
    for (const target of strategy.candidates) {
      if (target.kind !== "model") {
        this.expand(
          target.kind === "config"
            ? {
                ...target,
                kind: "unresolvable",
                error: new GatewayError(
                  "invalid_request",
                  "latency_optimized ranks models; a @config has no latency of its own",
                ),
              }
            : target,
          depth,
          via,
          null,
          "",
        );
        continue;
      }
      attempts.push(attemptOf(target.leaf, null, this.addCandidate(target, "planned", "", via)));
    }
    const { kept } = this.skipUnhealthy(attempts);
    const ordered = orderByLatency(kept as Attempt[], strategy, this.input);
    for (const entry of ordered.entries) {
      const candidate = this.candidates[entry.attempt.candidate] as TraceCandidate;
      candidate.reason = entry.reason;
      if (entry.latencyMs !== null) candidate.latency_ms = Math.round(entry.latencyMs * 10) / 10;
    }
    if (top) this.reason = ordered.summary;
    return ordered.entries.map((entry) => entry.attempt);
  }

  private ensemble(
    strategy: Extract<CompiledStrategy, { strategy: "ensemble" }>,
    depth: number,
    via: string[],
    top: boolean,
  ): PlanStep[] {
    const members = strategy.members
      .map((member, index) => ({
        attempts: this.attemptsOf(
          member.target,
          depth,
          via,
          `ensemble member ${index + 1} (weight ${member.weight})`,
        ),
        weight: member.weight,
        label: member.target.label,
      }))
      .filter((member) => member.attempts.length > 0);
    if (members.length === 0) return [];
    const judge =
      strategy.judge === null
        ? null
        : this.attemptsOf(strategy.judge, depth, via, "ensemble judge");
    if (top)
      this.reason = `ensemble of ${members.length} member(s), aggregated by ${strategy.aggregation}`;
    return [
      {
        kind: "ensemble",
        label: via[via.length - 1] ?? "ensemble",
        members,
        aggregation: strategy.aggregation,
        judge,
        timeoutMs: strategy.timeoutMs,
      },
    ];
  }

  private abTest(
    strategy: Extract<CompiledStrategy, { strategy: "ab_test" }>,
    slug: string,
    depth: number,
    via: string[],
    top: boolean,
  ): PlanStep[] {
    const { key, by } = stickyKey(strategy.sticky, {
      user: this.input.user,
      conversation: this.input.conversationId,
      requestId: this.input.requestId,
    });
    const chosen = pickVariant(strategy.variants, strategy.totalWeight, stickyPoint(slug, key));
    const variant = strategy.variants[chosen] as (typeof strategy.variants)[number];
    // The outermost A/B test names the variant of the request.
    this.abVariant ??= variant.label;
    const share = ((variant.weight / strategy.totalWeight) * 100).toFixed(0);
    const stuck =
      by === strategy.sticky ? `sticky by ${by}` : `no ${strategy.sticky} given; drawn by ${by}`;
    strategy.variants.forEach((other, index) => {
      if (index !== chosen)
        this.candidates.push({
          target: other.target.label,
          provider: null,
          model: null,
          status: "unused",
          reason: `variant "${other.label}" not drawn`,
          via,
        });
    });
    if (top) this.reason = `A/B variant "${variant.label}" (${share}% of traffic, ${stuck})`;
    return this.expand(
      variant.target,
      depth,
      via,
      null,
      `A/B variant "${variant.label}", ${stuck}`,
    );
  }

  private cascade(
    strategy: Extract<CompiledStrategy, { strategy: "cascade" }>,
    depth: number,
    via: string[],
    top: boolean,
  ): PlanStep[] {
    const steps = strategy.steps
      .map((step, index) => ({
        attempts: this.attemptsOf(
          step.target,
          depth,
          via,
          index === 0
            ? "cascade step 1 (tried first)"
            : `cascade step ${index + 1} (if step ${index} is not accepted)`,
        ),
        accept: step.accept,
        judge:
          step.judge === null
            ? null
            : this.attemptsOf(step.judge, depth, via, `judge of cascade step ${index + 1}`),
        label: step.target.label,
      }))
      .filter((step) => step.attempts.length > 0);
    if (steps.length === 0) return [];
    if (top)
      this.reason = `cascade of ${steps.length} step(s), escalating while the answer is not accepted`;
    return [{ kind: "cascade", label: via[via.length - 1] ?? "cascade", steps }];
  }

  private customRules(
    strategy: Extract<CompiledStrategy, { strategy: "custom_rules" }>,
    depth: number,
    via: string[],
    top: boolean,
  ): PlanStep[] {
    const { features } = this.input;
    const decision = evaluateRules(strategy.rules, {
      tags: this.input.tags,
      user: this.input.user ?? "",
      request: {
        input_tokens: features.inputTokens,
        has_tools: features.hasTools,
        has_images: features.hasImages,
        stream: features.stream,
        max_tokens: features.maxTokens,
      },
      budget: { used_pct: this.input.budgetUsedPct },
      nowMs: this.input.nowMs,
    });
    const errors = new Map(decision.errors.map((error) => [error.ruleIndex, error.message]));
    strategy.rules.forEach((rule, index) => {
      if (index === decision.ruleIndex) return;
      const failed = errors.get(index);
      if (index > decision.ruleIndex && decision.ruleIndex >= 0) return;
      this.candidates.push({
        target: rule.target.label,
        provider: null,
        model: null,
        status: "unused",
        reason:
          failed !== undefined
            ? `rule ${index + 1} could not be evaluated: ${failed}`
            : `rule ${index + 1} did not match: ${rule.kind === "if" ? rule.source : "else"}`,
        via,
      });
    });
    if (decision.target === null) return [];
    const matched = strategy.rules[decision.ruleIndex];
    const reason =
      matched?.kind === "if"
        ? `rule ${decision.ruleIndex + 1} matched: ${matched.source}`
        : "no rule matched; else";
    if (top) this.reason = reason;
    return this.expand(decision.target, depth, via, null, reason);
  }

  private addCandidate(
    target: CompiledTarget,
    status: CandidateStatus,
    reason: string,
    via: string[],
  ): number {
    const candidate: TraceCandidate = {
      target: target.label,
      provider: target.kind === "model" ? target.leaf.provider.name : null,
      model: target.kind === "model" ? target.leaf.model : null,
      status,
      reason,
    };
    if (via.length > 1) candidate.via = via;
    this.candidates.push(candidate);
    return this.candidates.length - 1;
  }

  private note(index: number, status: CandidateStatus, reason: string): void {
    const candidate = this.candidates[index];
    if (!candidate) return;
    candidate.status = status;
    candidate.reason = reason;
  }
}

function ordinal(n: number): string {
  const suffix =
    n % 10 === 1 && n % 100 !== 11
      ? "st"
      : n % 10 === 2 && n % 100 !== 12
        ? "nd"
        : n % 10 === 3 && n % 100 !== 13
          ? "rd"
          : "th";
  return `${n}${suffix}`;
}
