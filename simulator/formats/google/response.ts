// A complete GenerateContentResponse and its usage, shaped like Gemini's recorded responses:
// thoughts first (only when includeThoughts, carrying their signature), then the text or the
// function call; after thinking, the answer's part carries a thoughtSignature of its own.
import type { Answer } from "../../common/answer.ts";
import { createRandom, seededBase64, seedOf } from "../../common/random.ts";

export interface ResponseMeta {
  responseId: string;
  modelVersion: string;
  includeThoughts: boolean;
}

export interface UsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  promptTokensDetails: Array<{ modality: "TEXT"; tokenCount: number }>;
  thoughtsTokenCount?: number;
}

export function finishReason(answer: Answer): "STOP" | "MAX_TOKENS" {
  return answer.finish === "length" ? "MAX_TOKENS" : "STOP";
}

/** candidatesTokenCount leaves the thoughts out; Gemini reports them apart. */
export function usageMetadata(
  promptTokens: number,
  answer: Answer,
  candidatesSoFar?: number,
): UsageMetadata {
  const thoughts = answer.reasoning?.tokens ?? 0;
  const candidates = candidatesSoFar ?? answer.outputTokens - thoughts;
  const usage: UsageMetadata = {
    promptTokenCount: promptTokens,
    candidatesTokenCount: candidates,
    totalTokenCount: promptTokens + candidates + thoughts,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: promptTokens }],
  };
  if (thoughts > 0) usage.thoughtsTokenCount = thoughts;
  return usage;
}

/** The signature on the answer's part: derived from the reasoning's, so it is deterministic. */
export function answerSignature(answer: Answer): string | undefined {
  if (!answer.reasoning) return undefined;
  return seededBase64(createRandom(seedOf(answer.reasoning.signature)), 64);
}

export function responseParts(meta: ResponseMeta, answer: Answer): Array<Record<string, unknown>> {
  const parts: Array<Record<string, unknown>> = [];
  const { reasoning, content } = answer;
  if (reasoning && meta.includeThoughts) {
    parts.push({ text: reasoning.text, thought: true, thoughtSignature: reasoning.signature });
  }
  const signature = answerSignature(answer);
  const withSignature = signature ? { thoughtSignature: signature } : {};
  if (content.kind === "tool_call") {
    parts.push({
      functionCall: { name: content.name, args: JSON.parse(content.argumentsJson) },
      ...withSignature,
    });
  } else {
    parts.push({ text: content.text, ...withSignature });
  }
  return parts;
}

export function generateContentBody(meta: ResponseMeta, answer: Answer, promptTokens: number) {
  return {
    candidates: [
      {
        content: { parts: responseParts(meta, answer), role: "model" },
        finishReason: finishReason(answer),
        index: 0,
      },
    ],
    usageMetadata: usageMetadata(promptTokens, answer),
    modelVersion: meta.modelVersion,
    responseId: meta.responseId,
  };
}
