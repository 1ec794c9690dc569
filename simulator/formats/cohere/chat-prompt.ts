// Reads a Chat v2 request for the answer planner and counts its input tokens.
//
// Billed input tokens = 3 per message + the tokens of its text (content strings and text or
// thinking parts; tool-call names and arguments; tool results, documents as JSON) + the tokens of
// the tools' JSON and of the request's documents' JSON + 3 to prime the reply. Cohere also
// reports `tokens.input_tokens`, which adds the preamble it puts before every prompt and never
// bills: the simulator adds PREAMBLE_TOKENS there.
import type { AnswerRequest, ResponseFormat, ToolChoice } from "../../common/answer.ts";
import { countTokens } from "../../common/tokens.ts";
import type { ChatMessage, ChatRequest } from "./chat-request.ts";

export const TOKENS_PER_MESSAGE = 3;
export const REPLY_PRIMING_TOKENS = 3;
/** Cohere's own preamble, counted in `tokens` but not in `billed_units` (as the API does). */
export const PREAMBLE_TOKENS = 495;

function contentText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (!content) return "";
  let text = "";
  for (const part of content) {
    if (part.type === "text") text += part.text ?? "";
    else if (part.type === "thinking") text += part.thinking ?? "";
    else text += JSON.stringify(part);
  }
  return text;
}

export function messageTokens(message: ChatMessage): number {
  let tokens = TOKENS_PER_MESSAGE + countTokens(contentText(message.content));
  if (message.role === "assistant") {
    for (const call of message.tool_calls ?? []) {
      tokens += countTokens(call.function.name) + countTokens(call.function.arguments ?? "");
    }
  }
  return tokens;
}

export function billedInputTokens(request: ChatRequest): number {
  let tokens = REPLY_PRIMING_TOKENS;
  if (request.tools && request.tools.length > 0)
    tokens += countTokens(JSON.stringify(request.tools));
  if (request.documents && request.documents.length > 0) {
    tokens += countTokens(JSON.stringify(request.documents));
  }
  for (const message of request.messages) tokens += messageTokens(message);
  return tokens;
}

function responseFormatOf(request: ChatRequest): ResponseFormat {
  const format = request.response_format;
  if (format?.type !== "json_object") return { kind: "text" };
  return format.json_schema
    ? { kind: "json_schema", schema: format.json_schema }
    : { kind: "json_object" };
}

function toolChoiceOf(request: ChatRequest): ToolChoice {
  if (request.tool_choice === "REQUIRED") return { kind: "required" };
  if (request.tool_choice === "NONE") return { kind: "none" };
  return { kind: "auto" };
}

export function toAnswerRequest(request: ChatRequest): AnswerRequest {
  // After a tool result the model answers it; only a user's own turn can prompt a tool call.
  const last = request.messages.at(-1);
  const lastUser = last?.role === "user" ? last : undefined;
  const thinking = request.thinking;
  return {
    seedText: `${request.model}\n${JSON.stringify(request.messages)}`,
    lastUserText: lastUser ? contentText(lastUser.content) : "",
    tools: (request.tools ?? []).map((tool) => ({
      name: tool.function.name,
      description: tool.function.description ?? "",
      parameters: tool.function.parameters ?? {},
    })),
    toolChoice: toolChoiceOf(request),
    responseFormat: responseFormatOf(request),
    maxTokens: request.max_tokens ?? undefined,
    stopSequences: request.stop_sequences ?? [],
    reasoning:
      thinking?.type === "enabled"
        ? { budgetTokens: thinking.token_budget ?? undefined }
        : undefined,
  };
}
