// The figures a with_responses experiment reports about its answers (docs/experiments.md):
// similarity mean, the share above the threshold and the judged-worse share, each share with a
// 95% Wilson score interval, and what the success criteria read from them. Pure.

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval of a proportion, `successes` of `trials`, in [0, 1]; null without
 * trials. Unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and is honest at 0 % and 100 %,
 * which small samples of mostly-identical answers hit.
 */
export function wilsonInterval(
  successes: number,
  trials: number,
  z = Z95,
): { low: number; high: number } | null {
  if (trials <= 0) return null;
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const center = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // At 0 and n the bound is exactly 0 or 1; floating point would leave 1e-16 off.
  return {
    low: successes <= 0 ? 0 : Math.max(0, center - half),
    high: successes >= trials ? 1 : Math.min(1, center + half),
  };
}

export type Verdict = "worse" | "same" | "better";

/** One re-sent request as compared. */
export interface PairOutcome {
  requestId: string;
  /** The candidate's status; its answer is compared only when it succeeded. */
  status: number;
  similarity: number | null;
  similarityError: string | null;
  verdict: Verdict | null;
  verdictReason: string | null;
  /** The judge answered but no verdict could be read from it, or the call failed. */
  judgeError: string | null;
}

export interface SimilarityFigures {
  model: string;
  threshold: number;
  compared: number;
  /** Pairs whose similarity could not be computed (the embedding call failed). */
  failed: number;
  mean: number | null;
  above_threshold: number;
  pct_above_threshold: number | null;
  pct_above_threshold_ci95: { low: number; high: number } | null;
  first_error: string | null;
}

export interface JudgeFigures {
  model: string;
  judged: number;
  worse: number;
  same: number;
  better: number;
  /** The judge's answer held no verdict, or the call failed: left out of the rates. */
  failed: number;
  worse_pct: number | null;
  worse_pct_ci95: { low: number; high: number } | null;
  first_error: string | null;
}

const percent = (value: number) => round(value * 100, 4);

export function similarityFigures(
  pairs: readonly PairOutcome[],
  model: string,
  threshold: number,
): SimilarityFigures {
  const values = pairs.flatMap((pair) => (pair.similarity === null ? [] : [pair.similarity]));
  const failed = pairs.filter((pair) => pair.similarityError !== null);
  const above = values.filter((value) => value >= threshold).length;
  const interval = wilsonInterval(above, values.length);
  return {
    model,
    threshold,
    compared: values.length,
    failed: failed.length,
    mean: values.length > 0 ? round(values.reduce((a, b) => a + b, 0) / values.length, 6) : null,
    above_threshold: above,
    pct_above_threshold: values.length > 0 ? percent(above / values.length) : null,
    pct_above_threshold_ci95: interval && {
      low: percent(interval.low),
      high: percent(interval.high),
    },
    first_error: failed[0]?.similarityError ?? null,
  };
}

export function judgeFigures(pairs: readonly PairOutcome[], model: string): JudgeFigures {
  const count = (verdict: Verdict) => pairs.filter((pair) => pair.verdict === verdict).length;
  const worse = count("worse");
  const judged = pairs.filter((pair) => pair.verdict !== null).length;
  const failed = pairs.filter((pair) => pair.judgeError !== null);
  const interval = wilsonInterval(worse, judged);
  return {
    model,
    judged,
    worse,
    same: count("same"),
    better: count("better"),
    failed: failed.length,
    worse_pct: judged > 0 ? percent(worse / judged) : null,
    worse_pct_ci95: interval && { low: percent(interval.low), high: percent(interval.high) },
    first_error: failed[0]?.judgeError ?? null,
  };
}

/** similarity_pct_above_threshold at any threshold (a predicate's params.threshold). */
export function pctAbove(pairs: readonly PairOutcome[], threshold: number): number | null {
  const values = pairs.flatMap((pair) => (pair.similarity === null ? [] : [pair.similarity]));
  if (values.length === 0) return null;
  return percent(values.filter((value) => value >= threshold).length / values.length);
}

/** Cosine similarity of two vectors of equal length; null when either has no length. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number | null {
  if (a.length === 0 || a.length !== b.length) return null;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as number;
    const y = b[index] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (normA === 0 || normB === 0) return null;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(normA * normB)));
}

function round(value: number, places: number): number {
  const scale = 10 ** places;
  return Math.round(value * scale) / scale;
}
