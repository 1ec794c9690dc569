// One request's expansion of a routing config tree (DESIGN §6): each strategy turns its
// targets into ordered steps and records every candidate it considered, with the reason.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { RuntimeApiKey } from "../snapshot/runtime-config.ts";
import type {
  Attempt,
  CandidateStatus,
  PlanStep,
  RoutePlan,
  RoutingInput,
  TraceCandidate,
} from "./plan-types.ts";
import {
  type CompiledConfig,
  type CompiledStrategy,
  type CompiledTarget,
  DEFAULT_RETRY_ON,
  type Leaf,
  type RetryCondition,
  type RouteTable,
} from "./route-table.ts";
import { evaluateRules } from "./rules/evaluate.ts";
import { pickVariant, stickyKey, stickyPoint } from "./strategies/ab-test.ts";
import {
  costIneligibility,
  costRankReason,
  estimatedCostUsd,
} from "./strategies/cost-optimized.ts";
import { ruleInputOf } from "./strategies/custom-rules.ts";
import { orderByLatency } from "./strategies/latency-optimized.ts";

const MAX_DEPTH = 4;

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

/** One request's expansion of a config tree. */
export class Planner {
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
        return this.costOptimized(strategy, path, top);
      case "latency_optimized":
        return this.latencyOptimized(strategy, path, top);
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
    via: string[],
    top: boolean,
  ): PlanStep[] {
    const { features } = this.input;
    const ranked: Array<{ attempt: Attempt; cost: number; order: number }> = [];
    strategy.allowed.forEach((target, order) => {
      if (target.kind !== "model") {
        this.excludeUnranked(
          target,
          "cost_optimized ranks models; a @config cannot be priced",
          via,
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
      this.note(entry.attempt.candidate, "planned", costRankReason(position, entry.cost));
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
    via: string[],
    top: boolean,
  ): PlanStep[] {
    const attempts: Attempt[] = [];
    for (const target of strategy.candidates) {
      if (target.kind !== "model") {
        this.excludeUnranked(
          target,
          "latency_optimized ranks models; a @config has no latency of its own",
          via,
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
    const decision = evaluateRules(strategy.rules, ruleInputOf(this.input));
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

  /** A `@config` (or an unresolvable target) where a strategy ranks models by their own data. */
  private excludeUnranked(target: CompiledTarget, why: string, via: string[]): void {
    this.addCandidate(
      target,
      "excluded",
      target.kind === "unresolvable" ? target.error.message : why,
      via,
    );
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
