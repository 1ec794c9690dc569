// A complete `chat.completion` object and its usage, shaped like OpenAI's recorded responses.
import type { Answer, Finish } from "../../common/answer.ts";

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
  toolCallId: string;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

export function finishReason(finish: Finish): string {
  switch (finish) {
    case "length":
      return "length";
    case "tool_call":
      return "tool_calls";
    default:
      return "stop";
  }
}

export function systemFingerprint(model: string): string {
  return `fp_${Bun.hash.xxHash32(model).toString(16).padStart(8, "0")}`;
}

/** completion_tokens = reasoning tokens + the tokens of the text (or tool name and arguments). */
export function chatUsage(promptTokens: number, cachedTokens: number, answer: Answer): ChatUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: answer.outputTokens,
    total_tokens: promptTokens + answer.outputTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: answer.reasoning?.tokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function assistantMessage(meta: CompletionMeta, answer: Answer) {
  const { content } = answer;
  if (content.kind === "text") {
    return { role: "assistant", content: content.text, refusal: null, annotations: [] };
  }
  return {
    role: "assistant",
    content: null,
    tool_calls: [
      {
        id: meta.toolCallId,
        type: "function",
        function: { name: content.name, arguments: content.argumentsJson },
      },
    ],
    refusal: null,
    annotations: [],
  };
}

export function chatCompletionBody(meta: CompletionMeta, answer: Answer, usage: ChatUsage) {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: assistantMessage(meta, answer),
        logprobs: null,
        finish_reason: finishReason(answer.finish),
      },
    ],
    usage,
    service_tier: "default",
    system_fingerprint: meta.systemFingerprint,
  };
}
