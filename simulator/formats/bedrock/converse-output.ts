// A complete Converse response and its usage, shaped like Bedrock's recorded responses.
import type { Answer, Finish } from "../../common/answer.ts";
import type { CacheUsage } from "./prompt-caching.ts";

export interface ConverseUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  cacheReadInputTokenCount: number;
  cacheWriteInputTokenCount: number;
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

/** inputTokens leaves out what was read from or written to the cache, as Bedrock reports it. */
export function converseUsage(
  totalInput: number,
  cache: CacheUsage,
  answer: Answer,
): ConverseUsage {
  const inputTokens = totalInput - cache.readTokens - cache.writeTokens;
  return {
    inputTokens,
    outputTokens: answer.outputTokens,
    totalTokens: totalInput + answer.outputTokens,
    cacheReadInputTokens: cache.readTokens,
    cacheWriteInputTokens: cache.writeTokens,
    cacheReadInputTokenCount: cache.readTokens,
    cacheWriteInputTokenCount: cache.writeTokens,
  };
}

export function converseContent(answer: Answer, toolUseId: string): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (answer.reasoning) {
    const { text, signature } = answer.reasoning;
    blocks.push({ reasoningContent: { reasoningText: { text, signature } } });
  }
  const { content } = answer;
  if (content.kind === "tool_call") {
    blocks.push({
      toolUse: { toolUseId, name: content.name, input: JSON.parse(content.argumentsJson) },
    });
  } else if (content.text !== "" || !answer.reasoning) {
    blocks.push({ text: content.text });
  }
  return blocks;
}

export function converseBody(
  answer: Answer,
  usage: ConverseUsage,
  toolUseId: string,
  latencyMs: number,
) {
  return {
    metrics: { latencyMs },
    output: { message: { content: converseContent(answer, toolUseId), role: "assistant" } },
    stopReason: stopReason(answer.finish),
    ...(answer.stopSequence !== undefined
      ? { additionalModelResponseFields: { stop_sequence: answer.stopSequence } }
      : {}),
    usage,
  };
}
