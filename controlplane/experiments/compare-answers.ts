// How a candidate's answer is compared with the recorded one (docs/experiments.md): the cosine
// similarity of their embeddings, and optionally an LLM judge asked whether the candidate's is
// worse. Both calls go through the replay plane, so they are routed, priced and held against
// the spend cap like the re-sent request. Identical answers need neither call: their similarity
// is 1 and the candidate's cannot be worse.
import { estimatedTokens, sizedFeatures } from "./cost-bound.ts";
import type { ReplayPlane } from "./replay-plane.ts";
import type { ResponseComparison } from "./response-comparison.ts";
import { cosineSimilarity, type Verdict } from "./response-stats.ts";

/** Each text is cut to this before it is embedded: about 6,000 tokens, under 8,191. */
export const MAX_EMBEDDED_CHARS = 24_000;
/** The prompt and each answer are cut to this in the judge's message. */
export const MAX_JUDGED_CHARS = 12_000;
/** The judge answers in a sentence; this bounds what its answer costs. */
export const JUDGE_MAX_TOKENS = 300;

export const DEFAULT_JUDGE_INSTRUCTIONS =
  "You compare two answers to the same request. Answer A is the one production gave; answer B " +
  "is the one a candidate configuration gave. Decide whether B is worse than A for the person " +
  "who made the request: less correct, less complete, less helpful, or following the " +
  "instructions less well. Differences of wording, length or style alone do not make B worse.";
/** Always appended, also to a custom prompt: the verdict is read from this shape. */
const REPLY_FORMAT =
  'Reply with JSON only: {"verdict": "worse" | "same" | "better", "reason": "<one sentence>"}.';

export type Charge = (category: "embeddings" | "judge", usd: number) => void;

export interface Similarity {
  value: number | null;
  error: string | null;
}

export async function answerSimilarity(
  plane: ReplayPlane,
  model: string,
  baseline: string,
  candidate: string,
  charge: Charge,
): Promise<Similarity> {
  if (baseline === candidate) return { value: 1, error: null };
  // An empty answer embeds to nothing useful, and embedding APIs refuse empty input.
  if (baseline.trim() === "" || candidate.trim() === "") return { value: 0, error: null };
  const answer = await plane.send({
    path: "/openai/v1/embeddings",
    body: {
      model,
      input: [baseline.slice(0, MAX_EMBEDDED_CHARS), candidate.slice(0, MAX_EMBEDDED_CHARS)],
    },
    headers: {},
  });
  charge("embeddings", answer.costUsd);
  if (answer.status >= 400)
    return { value: null, error: `embeddings ${answer.status}: ${errorMessage(answer.body)}` };
  const data = (answer.body as { data?: Array<{ index?: number; embedding?: unknown }> })?.data;
  const vectors = [...(Array.isArray(data) ? data : [])]
    .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
    .map((entry) => entry.embedding);
  const [first, second] = vectors;
  const value =
    Array.isArray(first) && Array.isArray(second)
      ? cosineSimilarity(first as number[], second as number[])
      : null;
  return value === null
    ? { value: null, error: "embeddings answer without two float vectors" }
    : { value, error: null };
}

/** The most the embedding call of one pair costs, before the candidate's answer is known. */
export function similarityBoundUsd(
  plane: ReplayPlane,
  model: string,
  baseline: string,
  candidateTokens: number,
): number {
  const tokens =
    estimatedTokens(Math.min(baseline.length, MAX_EMBEDDED_CHARS)) +
    Math.min(candidateTokens, estimatedTokens(MAX_EMBEDDED_CHARS));
  return plane.costBound(model, sizedFeatures(tokens, null)).usd;
}

export interface Judgement {
  verdict: Verdict | null;
  reason: string | null;
  error: string | null;
}

export async function judgeAnswers(
  plane: ReplayPlane,
  judge: NonNullable<ResponseComparison["judge"]>,
  prompt: string,
  baseline: string,
  candidate: string,
  charge: Charge,
): Promise<Judgement> {
  if (baseline === candidate) return { verdict: "same", reason: "identical answers", error: null };
  const answer = await plane.send({
    path: "/openai/v1/chat/completions",
    body: {
      model: judge.model,
      messages: judgeMessages(judge.prompt, prompt, baseline, candidate),
      temperature: 0,
      max_tokens: JUDGE_MAX_TOKENS,
      response_format: { type: "json_object" },
    },
    headers: {},
  });
  charge("judge", answer.costUsd);
  if (answer.status >= 400)
    return {
      verdict: null,
      reason: null,
      error: `judge ${answer.status}: ${errorMessage(answer.body)}`,
    };
  const content = (answer.body as { choices?: Array<{ message?: { content?: unknown } }> })
    ?.choices?.[0]?.message?.content;
  const parsed = typeof content === "string" ? parseVerdict(content) : null;
  return parsed
    ? { ...parsed, error: null }
    : {
        verdict: null,
        reason: null,
        error: `no verdict in the judge's answer: ${String(content).slice(0, 200)}`,
      };
}

/** The most the judge call of one pair costs, before the candidate's answer is known. */
export function judgeBoundUsd(
  plane: ReplayPlane,
  judge: NonNullable<ResponseComparison["judge"]>,
  prompt: string,
  baseline: string,
  candidateTokens: number,
): number {
  const instructions = (judge.prompt ?? DEFAULT_JUDGE_INSTRUCTIONS).length + REPLY_FORMAT.length;
  const tokens =
    estimatedTokens(
      instructions +
        Math.min(prompt.length, MAX_JUDGED_CHARS) +
        Math.min(baseline.length, MAX_JUDGED_CHARS) +
        100,
    ) + Math.min(candidateTokens, estimatedTokens(MAX_JUDGED_CHARS));
  return plane.costBound(judge.model, sizedFeatures(tokens, JUDGE_MAX_TOKENS)).usd;
}

export function judgeMessages(
  instructions: string | null,
  prompt: string,
  baseline: string,
  candidate: string,
): Array<{ role: string; content: string }> {
  const cut = (text: string) => text.slice(0, MAX_JUDGED_CHARS);
  return [
    { role: "system", content: `${instructions ?? DEFAULT_JUDGE_INSTRUCTIONS}\n\n${REPLY_FORMAT}` },
    {
      role: "user",
      content:
        `<request>\n${cut(prompt)}\n</request>\n\n<answer_a>\n${cut(baseline)}\n</answer_a>\n\n` +
        `<answer_b>\n${cut(candidate)}\n</answer_b>`,
    },
  ];
}

const VERDICTS: Record<string, Verdict> = {
  worse: "worse",
  same: "same",
  equal: "same",
  equivalent: "same",
  tie: "same",
  not_worse: "same",
  better: "better",
};

/** The verdict of a judge's answer: the first JSON object in it with a known `verdict`. */
export function parseVerdict(text: string): { verdict: Verdict; reason: string | null } | null {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return null;
  try {
    const parsed = JSON.parse(text.slice(start, end + 1)) as {
      verdict?: unknown;
      reason?: unknown;
    };
    const key = typeof parsed.verdict === "string" ? parsed.verdict.trim().toLowerCase() : "";
    const verdict = VERDICTS[key.replace(/[\s-]+/g, "_")];
    if (!verdict) return null;
    return { verdict, reason: typeof parsed.reason === "string" ? parsed.reason : null };
  } catch {
    return null;
  }
}

function errorMessage(body: unknown): string {
  const error = (body as { error?: { message?: unknown } } | null)?.error;
  if (typeof error?.message === "string") return error.message;
  return typeof body === "string" ? body.slice(0, 200) : JSON.stringify(body).slice(0, 200);
}
