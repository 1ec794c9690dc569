// latency_optimized: candidates ordered by the observed metric (p50, p95 or TTFT p50 over the
// last `window_s`) on this data plane. Candidates without samples go first so every one is
// measured; `exploration_pct` of requests put a random candidate first so a model that got
// faster is noticed.
import type { Attempt, RoutingInput } from "../plan.ts";

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
