// How routing_only replay predicts what a request would have cost, how long it would have taken
// and whether it would have failed on a model it did not run on (docs/experiments.md): from what
// each (provider, model) did in the experiment's window. Pure functions over the profiles.

import type { ModelPrice } from "#shared/pricing/catalog.ts";
import { estimateCostUsd } from "#shared/pricing/cost.ts";
import { EXPECTED_OUTPUT_TOKENS } from "../../dataplane/in-process.ts";

/** What one (provider, model) did in the window (experiment_profiles.sql). */
export interface ModelProfile {
  attempts: number;
  failures: number;
  /** failures / attempts. */
  errorRate: number;
  /** Latencies of successful attempts, ascending. */
  latencies: number[];
  /** Latencies of failed attempts, ascending. */
  failureLatencies: number[];
  medianOutputTokens: number | null;
  outputSamples: number;
}

export interface Profiles {
  /** By `routeKey(provider name, model)`. */
  byRoute: Map<string, ModelProfile>;
  /** Median output tokens of every successful attempt in the window. */
  windowMedianOutputTokens: number | null;
}

/** Output samples both models need before their length ratio replaces 1.0. */
export const MIN_RATIO_SAMPLES = 20;

export const routeKey = (provider: string, model: string) => `${provider}\u0000${model}`;

/** Rows of experiment_profiles.sql into profiles; the row without provider is the window. */
export function profilesFrom(rows: Array<Record<string, unknown>>): Profiles {
  const byRoute = new Map<string, ModelProfile>();
  let windowMedianOutputTokens: number | null = null;
  for (const row of rows) {
    const median = row.median_output_tokens as number | null;
    if (row.provider === null || row.model === null) {
      windowMedianOutputTokens = median;
      continue;
    }
    const attempts = Number(row.attempts);
    const failures = Number(row.failures);
    byRoute.set(routeKey(String(row.provider), String(row.model)), {
      attempts,
      failures,
      errorRate: attempts > 0 ? failures / attempts : 0,
      latencies: (row.latencies as number[]) ?? [],
      failureLatencies: (row.failure_latencies as number[]) ?? [],
      medianOutputTokens: median,
      outputSamples: Number(row.output_samples),
    });
  }
  return { byRoute, windowMedianOutputTokens };
}

/** One value of an empirical distribution (a sorted sample), uniformly; null when empty. */
export function drawFrom(sorted: readonly number[], random: () => number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(random() * sorted.length))] as number;
}

/**
 * A model's family for response length: its name without a `vendor/` path and without version
 * or date suffixes (`-2024-08-06`, `-20241022`, `-latest`, `@001`, `-v1:0`, `:0`, `-001`), so
 * `gpt-4o` and `gpt-4o-2024-08-06`, or `claude-sonnet-4-5` on two providers, are one family;
 * `gpt-4o` and `gpt-4o-mini` are not.
 */
export function modelFamily(model: string): string {
  let name = model.toLowerCase();
  name = name.slice(name.lastIndexOf("/") + 1);
  const suffix = /@[^@]*$|-v\d+:\d+$|:\d+$|-latest$|-\d{4}-\d{2}-\d{2}$|-\d{8}$|-\d{3,4}$/;
  for (let stripped = name.replace(suffix, ""); stripped !== name && stripped.length > 0; ) {
    name = stripped;
    stripped = name.replace(suffix, "");
  }
  return name;
}

/**
 * How many output tokens the candidate writes per output token the recorded model wrote: 1 for
 * the same family; otherwise the ratio of the two models' median output tokens in the window
 * when both have at least MIN_RATIO_SAMPLES successful answers with usage; otherwise 1.
 */
export function outputRatio(
  profiles: Profiles,
  from: { provider: string; model: string },
  to: { provider: string; model: string },
): number {
  if (modelFamily(from.model) === modelFamily(to.model)) return 1;
  const source = profiles.byRoute.get(routeKey(from.provider, from.model));
  const target = profiles.byRoute.get(routeKey(to.provider, to.model));
  if (!source || !target) return 1;
  if (source.outputSamples < MIN_RATIO_SAMPLES || target.outputSamples < MIN_RATIO_SAMPLES)
    return 1;
  if (!source.medianOutputTokens || target.medianOutputTokens === null) return 1;
  return target.medianOutputTokens / source.medianOutputTokens;
}

/** What the replayed request used, as recorded. */
export interface RecordedUsage {
  provider: string | null;
  model: string | null;
  /** The recorded request failed: it has no usage to carry over. */
  failed: boolean;
  inputTokens: number;
  outputTokens: number;
  /** The request's own estimate (what routing saw). */
  requestInputTokens: number;
}

/**
 * The candidate's cost on a model other than the recorded one. A request that succeeded keeps
 * its recorded input tokens (cached ones included: a cache does not follow the request to
 * another model) and its output tokens times `outputRatio`; a request that failed has no usage,
 * so its estimated input tokens and the candidate's median response length in the window (else
 * the window's, else EXPECTED_OUTPUT_TOKENS) are priced. Prices are the candidate's.
 */
export function candidateCostUsd(
  profiles: Profiles,
  recorded: RecordedUsage,
  target: { provider: string; model: string; price: ModelPrice },
): number {
  if (!recorded.failed && recorded.provider !== null && recorded.model !== null) {
    const input = recorded.inputTokens > 0 ? recorded.inputTokens : recorded.requestInputTokens;
    const from = { provider: recorded.provider, model: recorded.model };
    const output = recorded.outputTokens * outputRatio(profiles, from, target);
    return estimateCostUsd(target.price, input, output);
  }
  const profile = profiles.byRoute.get(routeKey(target.provider, target.model));
  const output =
    profile?.medianOutputTokens ?? profiles.windowMedianOutputTokens ?? EXPECTED_OUTPUT_TOKENS;
  return estimateCostUsd(target.price, recorded.requestInputTokens, output);
}

/**
 * A status that belongs to the request, not the model: 4xx other than 408 and 429 (a malformed
 * request, an exceeded budget). Replay carries it over to the candidate unchanged.
 */
export function isClientError(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
