// The canonical response and usage: what an adapter reads from a vendor and a surface renders.
import type { AssistantContent } from "./content.ts";

export type StopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "content_filter"
  | "refusal"
  | "pause_turn"
  | "error"
  | "other";

/**
 * Token counts. `inputTokens` is every input token, cached or not (OpenAI's prompt_tokens;
 * Anthropic's input_tokens + cache_read + cache_creation). `cacheReadTokens` and
 * `cacheWriteTokens` are parts of it; `reasoningTokens` is part of `outputTokens`.
 */
export interface CanonicalUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

export interface CanonicalResponse {
  id: string;
  model: string;
  content: AssistantContent[];
  stopReason: StopReason;
  stopSequence?: string;
  usage: CanonicalUsage;
}

export const emptyUsage = (): CanonicalUsage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});
