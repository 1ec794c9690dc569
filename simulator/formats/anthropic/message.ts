// A complete Messages response and its usage, shaped like Anthropic's recorded responses.
import type { Answer, Finish } from "../../common/answer.ts";
import type { CacheUsage } from "./prompt-caching.ts";

export interface MessageMeta {
  id: string;
  model: string;
  toolUseId: string;
}

export interface MessageUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  service_tier: string;
}

export function stopReason(finish: Finish): string {
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_call":
      return "tool_use";
    case "stop_sequence":
      return "stop_sequence";
    default:
      return "end_turn";
  }
}

/** input_tokens excludes what was read from or written to the cache, as Anthropic reports it. */
export function messageUsage(
  totalInputTokens: number,
  cacheUsage: CacheUsage,
  answer: Answer,
): MessageUsage {
  const { readTokens, creationTokens, creationTtl } = cacheUsage;
  return {
    input_tokens: totalInputTokens - readTokens - creationTokens,
    cache_creation_input_tokens: creationTokens,
    cache_read_input_tokens: readTokens,
    cache_creation: {
      ephemeral_5m_input_tokens: creationTtl === "5m" ? creationTokens : 0,
      ephemeral_1h_input_tokens: creationTtl === "1h" ? creationTokens : 0,
    },
    output_tokens: answer.outputTokens,
    service_tier: "standard",
  };
}

export function contentBlocks(meta: MessageMeta, answer: Answer): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (answer.reasoning) {
    blocks.push({
      type: "thinking",
      thinking: answer.reasoning.text,
      signature: answer.reasoning.signature,
    });
  }
  const { content } = answer;
  if (content.kind === "tool_call") {
    blocks.push({
      type: "tool_use",
      id: meta.toolUseId,
      name: content.name,
      input: JSON.parse(content.argumentsJson),
    });
  } else if (content.text !== "" || !answer.reasoning) {
    blocks.push({ type: "text", text: content.text });
  }
  return blocks;
}

export function messageBody(meta: MessageMeta, answer: Answer, usage: MessageUsage) {
  return {
    model: meta.model,
    id: meta.id,
    type: "message",
    role: "assistant",
    content: contentBlocks(meta, answer),
    stop_reason: stopReason(answer.finish),
    stop_sequence: answer.stopSequence ?? null,
    usage,
  };
}
