// What Cohere's Chat v2 can carry. No vision (DESIGN §5); documents are text only (the request's
// `documents`); prompt caching is implicit and never asked for; thinking only on the reasoning
// models (`command-a-reasoning-…`), which take a token budget rather than an effort level.
import type { Capabilities } from "../adapter.ts";

export const cohereCapabilities: Capabilities = {
  tools: true,
  streamingTools: true,
  vision: false,
  json: true,
  thinking: true,
  promptCaching: false,
  documents: true,
  embeddings: false,
};

export function supportsThinking(model: string): boolean {
  return /reasoning/i.test(model);
}

/** Budgets for an effort level, for callers that name a level instead of a budget. */
export const THINKING_BUDGET_BY_EFFORT = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
} as const;

export const MAX_STOP_SEQUENCES = 5;

/** Cohere's documented ranges; values outside them are rejected with a 400. */
export const PARAMETER_RANGES = {
  p: { minimum: 0.01, maximum: 0.99 },
  k: { minimum: 0, maximum: 500 },
  presence_penalty: { minimum: 0, maximum: 1 },
  frequency_penalty: { minimum: 0, maximum: 1 },
} as const;
