// What Anthropic's Messages API accepts, and the per-model facts the request converter needs:
// output limits (max_tokens is required), thinking budgets, native structured outputs.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { Capabilities } from "../adapter.ts";

export const anthropicCapabilities: Capabilities = {
  tools: true,
  streamingTools: true,
  vision: true,
  json: true,
  thinking: true,
  promptCaching: true,
  documents: true,
  embeddings: false,
};

/**
 * `max_tokens` when the caller set none: 4,096 answer tokens (what most chat clients default
 * to, and a bound budget reservations can live with), never above the model's own limit.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's smallest thinking budget. */
export const MIN_THINKING_BUDGET = 1024;

/**
 * Reasoning effort (OpenAI's knob) → thinking budget_tokens. `minimal` is Anthropic's floor;
 * each step up doubles-ish toward the 16k Anthropic suggests for hard problems. Thinking asked
 * for without effort or budget gets `medium`.
 */
export const THINKING_BUDGET_BY_EFFORT: Record<
  NonNullable<NonNullable<CanonicalRequest["thinking"]>["effort"]>,
  number
> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
};

/** Largest output per model family, first match wins (Anthropic's models overview). */
const MAX_OUTPUT_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^claude-3-5-(sonnet|haiku)/, 8192],
  [/^claude-3-7-sonnet/, 64000],
  [/^claude-3-/, 4096],
  [/^claude-opus-4(-0|-1|-2025|$)/, 32000],
  [/^claude-opus-4-5/, 64000],
  [/^claude-(sonnet|haiku)-4/, 64000],
];

/** The model's output limit, or undefined for models this table does not know. */
export function maxOutputTokens(model: string): number | undefined {
  return MAX_OUTPUT_TOKENS.find(([pattern]) => pattern.test(model))?.[1];
}

/** Models from before structured outputs (`output_config.format`, tool `strict`). */
const BEFORE_STRUCTURED_OUTPUTS = /^claude-(instant|2|3|sonnet-4-(0|2025)|opus-4-(0|2025))/;

/** Extended thinking arrived with Claude 3.7 Sonnet. */
export function supportsThinking(model: string): boolean {
  return !/^claude-(instant|2|3-(?!7))/.test(model);
}

export function supportsStructuredOutputs(model: string): boolean {
  return !BEFORE_STRUCTURED_OUTPUTS.test(model);
}

/**
 * The tool a JSON-schema answer is forced through on models without structured outputs. The
 * response converters turn a call of it back into the JSON text the caller asked for, so the
 * name is one no caller's tool plausibly has.
 */
export const JSON_TOOL_NAME = "modelux_json_response";
