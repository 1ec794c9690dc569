// Reads a Messages request for the answer planner and counts its input tokens.
//
// Input tokens = the tokens of each tool's JSON + of the system text + 3 per message + its
// blocks (text, thinking, tool_use name and input JSON, tool_result text; 85 for images,
// documents and other blocks) + 3 to prime the reply. The walk goes in Anthropic's cache
// order (tools, system, messages) so prefixes up to a cache_control marker can be measured.
import type { AnswerRequest, ToolChoice } from "../../common/answer.ts";
import { countTokens } from "../../common/tokens.ts";
import type {
  CacheControl,
  ContentBlock,
  MessagesRequest,
  PromptRequest,
} from "./messages-request.ts";

export const TOKENS_PER_MESSAGE = 3;
export const REPLY_PRIMING_TOKENS = 3;
export const TOKENS_PER_NON_TEXT_BLOCK = 85;

/** One piece of the prompt in order; `identity` is what makes two prefixes the same. */
export type PromptVisitor = (
  identity: () => string,
  tokens: number,
  marker: CacheControl | undefined,
) => void;

function blockTokens(block: ContentBlock): number {
  switch (block.type) {
    case "text":
      return countTokens(block.text ?? "");
    case "thinking":
      return countTokens(block.thinking ?? "");
    case "redacted_thinking":
      return 0;
    case "tool_use":
      return countTokens(block.name ?? "") + countTokens(JSON.stringify(block.input ?? {}));
    case "tool_result": {
      const { content } = block;
      if (typeof content === "string") return countTokens(content);
      let tokens = 0;
      for (const part of content ?? []) {
        tokens += part.type === "text" ? countTokens(part.text ?? "") : TOKENS_PER_NON_TEXT_BLOCK;
      }
      return tokens;
    }
    default:
      return TOKENS_PER_NON_TEXT_BLOCK;
  }
}

export function walkPrompt(request: PromptRequest, visit: PromptVisitor): void {
  for (const tool of request.tools ?? []) {
    const json = JSON.stringify(tool);
    visit(() => json, countTokens(json), tool.cache_control ?? undefined);
  }
  const { system } = request;
  if (typeof system === "string") visit(() => system, countTokens(system), undefined);
  else
    for (const block of system ?? [])
      visit(() => block.text, countTokens(block.text), block.cache_control ?? undefined);
  for (const message of request.messages) {
    visit(() => message.role, TOKENS_PER_MESSAGE, undefined);
    const { content } = message;
    if (typeof content === "string") {
      visit(() => content, countTokens(content), undefined);
      continue;
    }
    for (const block of content)
      visit(() => JSON.stringify(block), blockTokens(block), block.cache_control ?? undefined);
  }
}

export function inputTokens(request: PromptRequest): number {
  let tokens = REPLY_PRIMING_TOKENS;
  walkPrompt(request, (_identity, pieceTokens) => {
    tokens += pieceTokens;
  });
  return tokens;
}

function lastUserText(request: PromptRequest): string {
  const message = request.messages.findLast((entry) => entry.role === "user");
  if (!message) return "";
  if (typeof message.content === "string") return message.content;
  let text = "";
  for (const block of message.content) if (block.type === "text" && block.text) text += block.text;
  return text;
}

function toolChoiceOf(request: PromptRequest): ToolChoice {
  const choice = request.tool_choice;
  if (!choice || choice.type === "auto") return { kind: "auto" };
  if (choice.type === "none") return { kind: "none" };
  if (choice.type === "any") return { kind: "required" };
  return { kind: "named", name: choice.name ?? "" };
}

export function toAnswerRequest(request: MessagesRequest): AnswerRequest {
  const thinking = request.thinking;
  return {
    seedText: `${request.model}\n${JSON.stringify(request.system ?? "")}\n${JSON.stringify(request.messages)}`,
    lastUserText: lastUserText(request),
    // Server tools (web search and the like) have no input schema; the simulator only calls client tools.
    tools: (request.tools ?? [])
      .filter((tool) => tool.input_schema !== undefined)
      .map((tool) => ({
        name: tool.name,
        description: tool.description ?? "",
        parameters: tool.input_schema ?? {},
      })),
    toolChoice: toolChoiceOf(request),
    responseFormat: responseFormatOf(request),
    maxTokens: request.max_tokens,
    stopSequences: request.stop_sequences ?? [],
    reasoning:
      thinking && thinking.type !== "disabled"
        ? { budgetTokens: thinking.budget_tokens }
        : undefined,
  };
}

function responseFormatOf(request: MessagesRequest): AnswerRequest["responseFormat"] {
  const format = request.output_config?.format ?? request.output_format;
  return format ? { kind: "json_schema", schema: format.schema } : { kind: "text" };
}
