// Reads a Chat Completions request for the answer planner and counts its prompt tokens.
//
// Prompt tokens = 3 per message + the tokens of its text parts, tool-call names and arguments
// + 85 per image or other non-text part + the tokens of the tools' JSON + 3 to prime the reply
// (OpenAI's own bookkeeping has the same per-message and priming overheads).
import type { AnswerRequest, ResponseFormat, ToolChoice } from "../../common/answer.ts";
import { countTokens } from "../../common/tokens.ts";
import type { ChatMessage, ChatRequest } from "./chat-request.ts";

export const TOKENS_PER_MESSAGE = 3;
export const REPLY_PRIMING_TOKENS = 3;
export const TOKENS_PER_NON_TEXT_PART = 85;

export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  if (!content) return "";
  let text = "";
  for (const part of content) if (part.type === "text" && part.text) text += part.text;
  return text;
}

export function messageTokens(message: ChatMessage): number {
  let tokens = TOKENS_PER_MESSAGE;
  const { content } = message;
  if (typeof content === "string") tokens += countTokens(content);
  else if (content) {
    for (const part of content) {
      tokens += part.type === "text" ? countTokens(part.text ?? "") : TOKENS_PER_NON_TEXT_PART;
    }
  }
  for (const call of message.tool_calls ?? []) {
    tokens += countTokens(call.function.name) + countTokens(call.function.arguments ?? "");
  }
  return tokens;
}

export function toolsJson(request: ChatRequest): string {
  return request.tools && request.tools.length > 0 ? JSON.stringify(request.tools) : "";
}

export function promptTokens(request: ChatRequest): number {
  let tokens = REPLY_PRIMING_TOKENS + countTokens(toolsJson(request));
  for (const message of request.messages) tokens += messageTokens(message);
  return tokens;
}

function toolChoiceOf(request: ChatRequest): ToolChoice {
  const choice = request.tool_choice;
  if (!choice || choice === "auto") return { kind: "auto" };
  if (choice === "none") return { kind: "none" };
  if (choice === "required") return { kind: "required" };
  // {type: "function", function: {name}} names a tool; other forms (allowed_tools, custom) force one.
  return choice.function ? { kind: "named", name: choice.function.name } : { kind: "required" };
}

function responseFormatOf(request: ChatRequest): ResponseFormat {
  const format = request.response_format;
  if (format?.type === "json_object") return { kind: "json_object" };
  if (format?.type === "json_schema")
    return { kind: "json_schema", schema: format.json_schema?.schema ?? {} };
  return { kind: "text" };
}

export function toAnswerRequest(request: ChatRequest): AnswerRequest {
  // After a tool result the model answers it; only a user's own turn can prompt a tool call.
  const last = request.messages.at(-1);
  const lastUser = last?.role === "user" ? last : undefined;
  const stop = request.stop;
  const effort = request.reasoning_effort;
  return {
    seedText: `${request.model}\n${JSON.stringify(request.messages)}`,
    lastUserText: lastUser ? messageText(lastUser) : "",
    tools: (request.tools ?? []).flatMap((tool) =>
      tool.type === "function" && tool.function
        ? [
            {
              name: tool.function.name,
              description: tool.function.description ?? "",
              parameters: tool.function.parameters ?? {},
            },
          ]
        : [],
    ),
    toolChoice: toolChoiceOf(request),
    responseFormat: responseFormatOf(request),
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
    stopSequences: typeof stop === "string" ? [stop] : (stop ?? []),
    // Reasoning models think before answering; OpenAI only reports how many tokens it took.
    reasoning: effort && effort !== "none" ? { budgetTokens: undefined } : undefined,
  };
}
