// The OpenAI-compatible hosts (DESIGN §5): their public base URLs and where each departs from
// OpenAI's Chat Completions. Adding a host is one entry here.
import type { Capabilities } from "../adapter.ts";

export interface CompatibleVendor {
  /** Public base URL; `/chat/completions` is appended. */
  baseUrl: string;
  capabilities: Capabilities;
  /** `response_format` json_object and json_schema. */
  jsonObject: boolean;
  jsonSchema: boolean;
  /** Takes `reasoning_effort` (for its reasoning models; others ignore or reject it per model). */
  reasoningEffort: boolean;
  topK: boolean;
  /** See ChatDialect.streamOptions. */
  streamOptions: "send" | "omit" | "strip";
  /** Canonical-derived fields the host rejects. */
  unsupportedFields: readonly string[];
  /**
   * Serves OpenAI's Responses API at `{base}/responses` (then the Responses surface passes
   * through to it; otherwise it translates to Chat Completions).
   */
  responses: boolean;
}

const base: Capabilities = {
  tools: true,
  streamingTools: true,
  vision: false,
  json: true,
  thinking: false,
  promptCaching: false,
  documents: false,
  embeddings: false,
};

export const OPENAI_COMPATIBLE_VENDORS = {
  groq: {
    baseUrl: "https://api.groq.com/openai/v1",
    capabilities: { ...base, vision: true, thinking: true },
    jsonObject: true,
    jsonSchema: true,
    reasoningEffort: true,
    topK: false,
    streamOptions: "send",
    unsupportedFields: [],
    responses: false,
  },
  fireworks: {
    baseUrl: "https://api.fireworks.ai/inference/v1",
    capabilities: { ...base, vision: true, thinking: true, promptCaching: true, embeddings: true },
    jsonObject: true,
    jsonSchema: true,
    reasoningEffort: true,
    topK: true,
    streamOptions: "send",
    unsupportedFields: [],
    responses: false,
  },
  deepseek: {
    // Thinking is the model (deepseek-reasoner), not a parameter; caching is automatic.
    baseUrl: "https://api.deepseek.com",
    capabilities: { ...base, thinking: true, promptCaching: true },
    jsonObject: true,
    jsonSchema: false,
    reasoningEffort: false,
    topK: false,
    streamOptions: "send",
    unsupportedFields: [],
    responses: false,
  },
  xai: {
    // Serves /v1/responses too (test/fixtures/provider-recordings/xai/responses).
    baseUrl: "https://api.x.ai/v1",
    capabilities: { ...base, vision: true, thinking: true, promptCaching: true },
    jsonObject: true,
    jsonSchema: true,
    reasoningEffort: true,
    topK: false,
    streamOptions: "send",
    unsupportedFields: [],
    responses: true,
  },
  mistral: {
    // Rejects unknown body fields; sends usage in the last chunk unasked.
    baseUrl: "https://api.mistral.ai/v1",
    capabilities: { ...base, vision: true, thinking: true, documents: true, embeddings: true },
    jsonObject: true,
    jsonSchema: true,
    reasoningEffort: false,
    topK: false,
    streamOptions: "strip",
    unsupportedFields: ["user"],
    responses: false,
  },
  cerebras: {
    baseUrl: "https://api.cerebras.ai/v1",
    capabilities: { ...base, thinking: true },
    jsonObject: true,
    jsonSchema: true,
    reasoningEffort: true,
    topK: false,
    streamOptions: "send",
    unsupportedFields: ["frequency_penalty", "presence_penalty"],
    responses: false,
  },
  together: {
    baseUrl: "https://api.together.xyz/v1",
    capabilities: { ...base, vision: true, thinking: true, embeddings: true },
    jsonObject: true,
    jsonSchema: true,
    reasoningEffort: false,
    topK: true,
    streamOptions: "send",
    unsupportedFields: [],
    responses: false,
  },
  perplexity: {
    // Sonar: no function calling, JSON only by schema, usage on every chunk.
    baseUrl: "https://api.perplexity.ai",
    capabilities: { ...base, tools: false, streamingTools: false, vision: true },
    jsonObject: false,
    jsonSchema: true,
    reasoningEffort: false,
    topK: true,
    streamOptions: "omit",
    unsupportedFields: [],
    responses: false,
  },
} as const satisfies Record<string, CompatibleVendor>;

export type CompatibleVendorName = keyof typeof OPENAI_COMPATIBLE_VENDORS;

/**
 * `openai-compatible`: any self-hosted or third-party server speaking Chat Completions (vLLM,
 * Ollama, LM Studio, …) at the provider's own base_url; there is no public default. What the
 * served model can do is unknown here, so image parts, tools, response_format and embeddings
 * are passed on and the host answers for its model; `top_k` and `reasoning_effort`, which some
 * such servers reject, are dropped with a warning as for any host that lacks them.
 */
export const GENERIC_COMPATIBLE_VENDOR: CompatibleVendor = {
  baseUrl: "",
  capabilities: { ...base, vision: true, embeddings: true },
  jsonObject: true,
  jsonSchema: true,
  reasoningEffort: false,
  topK: false,
  streamOptions: "send",
  unsupportedFields: [],
  // Whether a self-hosted server has /responses (vLLM does, most do not) is not known.
  responses: false,
};
