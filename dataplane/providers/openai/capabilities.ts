// What OpenAI's Chat Completions accepts, and the dialect knobs that the OpenAI-family vendors
// (Azure, the OpenAI-compatible table) set differently. The converters read only the dialect.
import type { Capabilities } from "../adapter.ts";

export interface ChatDialect {
  /** Who the warnings name ("openai", "groq", …). */
  readonly target: string;
  readonly capabilities: Capabilities;
  /** `response_format: {type: "json_object"}`. */
  readonly jsonObject: boolean;
  /** `response_format: {type: "json_schema"}`. */
  readonly jsonSchema: boolean;
  /** `top_k` (not OpenAI's, but several hosts of open models take it). */
  readonly topK: boolean;
  /**
   * `stream_options.include_usage`: "send" asks for the usage chunk; "omit" does not ask (the
   * vendor reports usage on its own); "strip" also removes it from fast-path bodies because the
   * vendor rejects unknown fields.
   */
  readonly streamOptions: "send" | "omit" | "strip";
  /** Body fields the vendor rejects; dropped with a warning when the canonical request sets them. */
  readonly unsupportedFields: readonly string[];
  /** Whether `reasoning_effort` may be sent for this model. */
  reasoningEffort(model: string): boolean;
  /** Whether temperature, top_p and the penalties may be sent for this model. */
  samplingParameters(model: string): boolean;
  tokenLimitField(model: string): "max_tokens" | "max_completion_tokens";
  systemRole(model: string): "system" | "developer";
}

export const openAiCapabilities: Capabilities = {
  tools: true,
  streamingTools: true,
  vision: true,
  json: true,
  thinking: true,
  // Automatic prefix caching, reported as cached_tokens; cache_control markers are not needed.
  promptCaching: true,
  documents: true,
  embeddings: true,
};

/**
 * OpenAI's reasoning models: the o-series (o1, o3, o4-mini, …) and gpt-5 (but not gpt-5-chat,
 * which is a chat model). Fine-tuned names (`ft:o4-mini:…`) count as their base model.
 */
export function isOpenAiReasoningModel(model: string): boolean {
  const base = model.startsWith("ft:") ? model.slice(3) : model;
  return /^o\d/.test(base) || (base.startsWith("gpt-5") && !base.startsWith("gpt-5-chat"));
}

/**
 * The token-limit rule: reasoning models reject `max_tokens` ("Use 'max_completion_tokens'
 * instead", test/fixtures/provider-recordings/openai/chat/reasoning-model-legacy-parameter-error.json),
 * so they get `max_completion_tokens`; every other model keeps `max_tokens`, which OpenAI-compatible
 * hosts and older Azure API versions also understand.
 */
export const openAiDialect: ChatDialect = {
  target: "openai",
  capabilities: openAiCapabilities,
  jsonObject: true,
  jsonSchema: true,
  topK: false,
  streamOptions: "send",
  unsupportedFields: [],
  reasoningEffort: isOpenAiReasoningModel,
  samplingParameters: (model) => !isOpenAiReasoningModel(model),
  tokenLimitField: (model) =>
    isOpenAiReasoningModel(model) ? "max_completion_tokens" : "max_tokens",
  systemRole: (model) => (isOpenAiReasoningModel(model) ? "developer" : "system"),
};
