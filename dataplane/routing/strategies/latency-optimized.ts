// latency_optimized: candidates ordered by the observed metric (p50, p95 or TTFT p50 over the
// last `window_s`) on this data plane. Candidates without samples go first so every one is
// measured; `exploration_pct` of requests put a random candidate first so a model that got
// faster is noticed.
import type { CompiledTarget } from "../compiled-target.ts";
import { type Attempt, attemptOf, type RoutingInput, type TraceCandidate } from "../plan-types.ts";
import type { RoutingStrategy } from "./strategy.ts";

export interface CompiledLatencyOptimized {
  strategy: "latency_optimized";
  candidates: CompiledTarget[];
  metric: "p50" | "p95" | "ttft_p50";
  windowS: number;
  explorationPct: number;
}

export const latencyOptimized: RoutingStrategy<"latency_optimized", CompiledLatencyOptimized> = {
  name: "latency_optimized",
  compile: (config, target) => ({
    strategy: "latency_optimized",
    candidates: config.candidates.map((model) => target(model)),
    metric: config.metric,
    windowS: config.window_s,
    explorationPct: config.exploration_pct,
  }),
  expand(compiled, plan, scope) {
    const { via } = scope;
    const attempts: Attempt[] = [];
    for (const target of compiled.candidates) {
      if (target.kind !== "model") {
        plan.excludeUnranked(
          target,
          "latency_optimized ranks models; a @config has no latency of its own",
          via,
        );
        continue;
      }
      attempts.push(attemptOf(target.leaf, null, plan.addCandidate(target, "planned", "", via)));
    }
    const { kept } = plan.skipUnhealthy(attempts);
    const ordered = orderByLatency(kept as Attempt[], compiled, plan.input);
    for (const entry of ordered.entries) {
      const candidate = plan.candidates[entry.attempt.candidate] as TraceCandidate;
      candidate.reason = entry.reason;
      if (entry.latencyMs !== null) candidate.latency_ms = Math.round(entry.latencyMs * 10) / 10;
    }
    if (scope.top) plan.explain(ordered.summary);
    return ordered.entries.map((entry) => entry.attempt);
  },
};

export interface LatencyOrder {
  entries: Array<{ attempt: Attempt; latencyMs: number | null; reason: string }>;
  summary: string;
}

export function orderByLatency(
  attempts: Attempt[],
  strategy: { metric: "p50" | "p95" | "ttft_p50"; windowS: number; explorationPct: number },
  input: Pick<RoutingInput, "health" | "random">,
): LatencyOrder {
  const measured: Array<{ attempt: Attempt; latencyMs: number }> = [];
  const unmeasured: Attempt[] = [];
  for (const attempt of attempts) {
    const latencyMs = input.health.percentile(attempt.healthKey, strategy.metric, strategy.windowS);
    if (latencyMs === null) unmeasured.push(attempt);
    else measured.push({ attempt, latencyMs });
  }
  measured.sort((a, b) => a.latencyMs - b.latencyMs);
  const metric = strategy.metric.replace("_", " ");
  const entries: LatencyOrder["entries"] = [
    ...unmeasured.map((attempt) => ({
      attempt,
      latencyMs: null,
      reason: `no ${metric} samples in the last ${strategy.windowS} s; measuring`,
    })),
    ...measured.map((entry, rank) => ({
      attempt: entry.attempt,
      latencyMs: entry.latencyMs,
      reason: `${rank === 0 ? "lowest" : `${rank + 1}. lowest`} ${metric}: ${entry.latencyMs.toFixed(1)} ms`,
    })),
  ];
  let summary =
    unmeasured.length > 0
      ? `${unmeasured.length} candidate(s) not measured yet; measuring first`
      : `lowest ${metric} over ${strategy.windowS} s`;
  if (entries.length > 1 && input.random() * 100 < strategy.explorationPct) {
    const pick = Math.floor(input.random() * entries.length);
    const [explored] = entries.splice(pick, 1);
    if (explored) {
      explored.reason = `exploration (${strategy.explorationPct}% of requests): ${explored.reason}`;
      entries.unshift(explored);
      summary = `exploring: a random candidate first (${strategy.explorationPct}% of requests)`;
    }
  }
  return { entries, summary };
}
