// One request's expansion of a routing config tree (DESIGN §6). The strategies decide
// (strategies/registry.ts); the planner keeps what they share: nesting (a `@config` target
// expands in place, at most four deep), the trace's candidate list, and skipping unhealthy
// attempts.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { CompiledTarget } from "./compiled-target.ts";
import {
  type Attempt,
  attemptOf,
  type CandidateStatus,
  DEFAULT_RETRY_ON,
  type PlanStep,
  type RetryCondition,
  type RoutePlan,
  type RoutingInput,
  type TraceCandidate,
} from "./plan-types.ts";
import type { CompiledConfig, RouteTable } from "./route-table.ts";
import { type CompiledStrategy, expandStrategy } from "./strategies/registry.ts";
import type { ExpandScope, PlanBuilder } from "./strategies/strategy.ts";

const MAX_DEPTH = 4;

/** One request's expansion of a config tree. */
export class Planner implements PlanBuilder {
  readonly candidates: TraceCandidate[] = [];
  private retry: { retryOn: ReadonlySet<RetryCondition>; totalBudgetMs: number | null } | null =
    null;
  private abVariant: string | null = null;
  private reason = "";

  constructor(
    private readonly table: RouteTable,
    private readonly projectId: string,
    readonly input: RoutingInput,
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

  /** `via`: the configs this one is nested in, outermost first. */
  expandConfig(compiled: CompiledConfig, depth: number, via: string[]): PlanStep[] {
    const scope: ExpandScope = {
      depth,
      via: [...via, `@${compiled.slug}`],
      top: depth === 1,
      slug: compiled.slug,
    };
    return expandStrategy(compiled.strategy as CompiledStrategy, this, scope);
  }

  expand(
    target: CompiledTarget,
    scope: ExpandScope,
    timeoutMs: number | null,
    reason: string,
  ): PlanStep[] {
    const { depth, via } = scope;
    switch (target.kind) {
      case "model": {
        const index = this.addCandidate(target, "planned", reason, via);
        return [attemptOf(target.leaf, timeoutMs, index)];
      }
      case "unresolvable":
        this.addCandidate(target, "excluded", target.error.message, via);
        return [];
      case "config": {
        const nested = this.table.configFor(this.projectId, target.slug);
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

  attemptsOf(target: CompiledTarget, scope: ExpandScope, reason: string): Attempt[] {
    const steps = this.expand(target, scope, null, reason);
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
          via: scope.via,
        });
    }
    return attempts;
  }

  /**
   * Drops attempts whose circuit is open or whose upstream asked to wait (retry-after), unless
   * that would leave nothing: then every attempt stays, in order, as a last resort.
   */
  skipUnhealthy(steps: PlanStep[]): { kept: PlanStep[]; skipped: number } {
    const { health } = this.input;
    let skipped = 0;
    const kept: PlanStep[] = [];
    // Made at the first unhealthy attempt (most plans have none).
    let marks: Array<{ candidate: number; reason: string }> | null = null;
    for (const step of steps) {
      if (step.kind !== "attempt") {
        kept.push(step);
        continue;
      }
      const state = health.state(step.healthKey);
      const waitMs = health.retryAfterRemainingMs(step.healthKey);
      if (state === "open") {
        marks ??= [];
        marks.push({ candidate: step.candidate, reason: "circuit open" });
      } else if (waitMs > 0) {
        marks ??= [];
        marks.push({
          candidate: step.candidate,
          reason: `rate limited: retry-after ${Math.ceil(waitMs / 1000)} s left`,
        });
      } else {
        kept.push(step);
        continue;
      }
      skipped++;
    }
    if (skipped === 0 || marks === null) return { kept, skipped };
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

  explain(reason: string): void {
    this.reason = reason;
  }

  useRetry(retryOn: ReadonlySet<RetryCondition>, totalBudgetMs: number | null): void {
    this.retry ??= { retryOn, totalBudgetMs };
  }

  nameVariant(label: string): void {
    this.abVariant ??= label;
  }

  excludeUnranked(target: CompiledTarget, why: string, via: string[]): void {
    this.addCandidate(
      target,
      "excluded",
      target.kind === "unresolvable" ? target.error.message : why,
      via,
    );
  }

  addCandidate(
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

  note(index: number, status: CandidateStatus, reason: string): void {
    const candidate = this.candidates[index];
    if (!candidate) return;
    candidate.status = status;
    candidate.reason = reason;
  }
}
