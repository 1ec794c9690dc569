// The streamGenerateContent?alt=sse stream: `data: <partial GenerateContentResponse>` events
// separated by CRLF blank lines, as the API sends them. One event per output token (thought
// pieces, then text pieces), a function call whole in one event, then a last event with an
// empty text part (holding the answer's signature after thinking), the finish reason and the
// final usage. Every event carries the usage so far. Assembled from strings: the hot path.
import type { Answer } from "../../common/answer.ts";
import type { StreamEvent } from "../../common/event-stream.ts";
import { splitTokens } from "../../common/tokens.ts";
import { answerSignature, finishReason, type ResponseMeta, usageMetadata } from "./response.ts";

export function generateContentEvents(
  meta: ResponseMeta,
  answer: Answer,
  promptTokens: number,
): StreamEvent[] {
  const tail = `,"modelVersion":${JSON.stringify(meta.modelVersion)},"responseId":${JSON.stringify(meta.responseId)}}\r\n\r\n`;
  const event = (
    part: string,
    candidates: number,
    tokens: number,
    finish?: string,
  ): StreamEvent => {
    const finishField = finish ? `,"finishReason":"${finish}"` : "";
    const usage = JSON.stringify(usageMetadata(promptTokens, answer, candidates));
    return {
      frame: `data: {"candidates":[{"content":{"parts":[${part}],"role":"model"}${finishField},"index":0}],"usageMetadata":${usage}${tail}`,
      tokens,
    };
  };
  const events: StreamEvent[] = [];
  const { reasoning, content } = answer;
  // Hidden reasoning is spent before the first visible token: it paces the first event.
  let pendingTokens = reasoning?.tokens ?? 0;
  if (reasoning && meta.includeThoughts) {
    pendingTokens = 0;
    const pieces = splitTokens(reasoning.text);
    pieces.forEach((piece, index) => {
      const signature =
        index === pieces.length - 1
          ? `,"thoughtSignature":${JSON.stringify(reasoning.signature)}`
          : "";
      events.push(event(`{"text":${JSON.stringify(piece)},"thought":true${signature}}`, 0, 1));
    });
  }
  const signature = answerSignature(answer);
  let candidates = 0;
  let last = `{"text":""}`;
  if (content.kind === "tool_call") {
    const signatureField = signature ? `,"thoughtSignature":${JSON.stringify(signature)}` : "";
    candidates = answer.outputTokens - (reasoning?.tokens ?? 0);
    const call = `{"functionCall":{"name":${JSON.stringify(content.name)},"args":${content.argumentsJson}}${signatureField}}`;
    events.push(event(call, candidates, pendingTokens + candidates));
  } else {
    for (const piece of content.pieces) {
      candidates++;
      events.push(event(`{"text":${JSON.stringify(piece)}}`, candidates, pendingTokens + 1));
      pendingTokens = 0;
    }
    if (signature) last = `{"text":"","thoughtSignature":${JSON.stringify(signature)}}`;
  }
  events.push(event(last, candidates, pendingTokens, finishReason(answer)));
  return events;
}
