// What every routing strategy module provides (registry.ts lists them): `compile` turns the
// stored config into its compiled form once per snapshot, `expand` turns that into plan steps
// for one request. A strategy whose step is composed (cascade, ensemble) also `run`s it, with
// the calls supplied by the pipeline. Nesting, the candidate list and health skipping are the
// planner's (planner.ts), offered to `expand` through `PlanBuilder`.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import type { RoutingConfig } from "#shared/routing/config-schema.ts";
import type { CompiledTarget, CompileTarget } from "../compiled-target.ts";
import type {
  Attempt,
  CandidateStatus,
  PlanStep,
  RetryCondition,
  RoutingInput,
  TraceCandidate,
} from "../plan-types.ts";

export type StrategyName = RoutingConfig["strategy"];
export type ConfigOf<Name extends StrategyName> = Extract<RoutingConfig, { strategy: Name }>;

/** Where in the config tree an expansion runs. */
export interface ExpandScope {
  /** 1 for the config the request named, one more per nested `@config`. */
  depth: number;
  /** The configs expanded so far, outermost first, this one last (`@slug`). */
  via: string[];
  /** This config is the one the request named: its reason is the plan's. */
  top: boolean;
  slug: string;
}

/** What an `expand` step may do to the plan being built. */
export interface PlanBuilder {
  readonly input: RoutingInput;
  readonly candidates: TraceCandidate[];
  /** A target's steps; a nested config expands in place (its own strategy decides). */
  expand(
    target: CompiledTarget,
    scope: ExpandScope,
    timeoutMs: number | null,
    reason: string,
  ): PlanStep[];
  /** A target that must end in plain attempts (ensemble members, cascade steps, judges). */
  attemptsOf(target: CompiledTarget, scope: ExpandScope, reason: string): Attempt[];
  /** Records a candidate for the trace; returns its position. */
  addCandidate(
    target: CompiledTarget,
    status: CandidateStatus,
    reason: string,
    via: string[],
  ): number;
  note(index: number, status: CandidateStatus, reason: string): void;
  /** A `@config` (or an unresolvable target) where a strategy ranks models by their own data. */
  excludeUnranked(target: CompiledTarget, why: string, via: string[]): void;
  /** Drops attempts whose circuit is open or that must wait, unless none would be left. */
  skipUnhealthy(steps: PlanStep[]): { kept: PlanStep[]; skipped: number };
  /** The plan's reason, set by the top config's strategy. */
  explain(reason: string): void;
  /** The plan's retry settings; the outermost fallback's win. */
  useRetry(retryOn: ReadonlySet<RetryCondition>, totalBudgetMs: number | null): void;
  /** The A/B variant that names the request; the outermost test's wins. */
  nameVariant(label: string): void;
}

export interface RoutingStrategy<Name extends StrategyName, Compiled extends { strategy: Name }> {
  readonly name: Name;
  compile(config: ConfigOf<Name>, target: CompileTarget): Compiled;
  expand(compiled: Compiled, plan: PlanBuilder, scope: ExpandScope): PlanStep[];
}

/** A composed step's answer: the response returned and the attempt that served it. */
export interface ComposedAnswer {
  response: CanonicalResponse;
  /** The attempt whose answer was returned. */
  served: Attempt;
  upstreamMs: number;
  reason: string;
}

export type ComposedCallResult =
  | { ok: true; response: CanonicalResponse; attempt: Attempt; upstreamMs: number }
  | { ok: false; error: GatewayError; retryable: boolean; upstreamMs: number };

/** What a composed step's runner is given by the pipeline (execute-plan.ts). */
export interface ComposedExecution {
  /** One non-streamed call through `attempts`, recorded under `role`; `signal` cancels it. */
  call(
    attempts: readonly Attempt[],
    request: CanonicalRequest,
    role: string,
    signal?: AbortSignal,
  ): Promise<ComposedCallResult>;
  /** Marks the latest record of `attempt` as accepted or not (cascade steps). */
  markAcceptance(attempt: Attempt, accepted: boolean, reason: string): void;
  /** The client's own cancellation, when it has one. */
  clientSignal: AbortSignal | undefined;
}

export interface ComposedStrategy<
  Name extends StrategyName,
  Compiled extends { strategy: Name },
  Step extends PlanStep,
> extends RoutingStrategy<Name, Compiled> {
  run(step: Step, request: CanonicalRequest, execution: ComposedExecution): Promise<ComposedAnswer>;
}
