// Reads a Converse request for the answer planner and counts its input tokens.
//
// Input tokens = the tokens of each tool spec's JSON + of the system text + 3 per message + its
// blocks (text, reasoning text, toolUse name and input JSON, toolResult text and JSON; 85 for
// images, documents and other blocks) + 3 to prime the reply: the Anthropic format's rule, in
// Converse's shapes. A cachePoint block ends a cacheable prefix (see prompt-caching.ts).
import type { AnswerRequest, ResponseFormat, ToolChoice } from "../../common/answer.ts";
import { countTokens } from "../../common/tokens.ts";
import type { ConverseBlock, ConverseRequest } from "./converse-request.ts";

export const TOKENS_PER_MESSAGE = 3;
export const REPLY_PRIMING_TOKENS = 3;
export const TOKENS_PER_NON_TEXT_BLOCK = 85;

/** One piece of the prompt in order; `marksCache` when it is a cachePoint. */
export type PromptVisitor = (identity: () => string, tokens: number, marksCache: boolean) => void;

function blockTokens(block: ConverseBlock): number {
  if (block.cachePoint) return 0;
  if (block.text !== undefined) return countTokens(block.text);
  if (block.reasoningContent) return countTokens(block.reasoningContent.reasoningText?.text ?? "");
  if (block.toolUse)
    return countTokens(block.toolUse.name) + countTokens(JSON.stringify(block.toolUse.input ?? {}));
  if (block.toolResult) {
    let tokens = 0;
    for (const part of block.toolResult.content) {
      if (part.text !== undefined) tokens += countTokens(part.text);
      else if (part.json !== undefined) tokens += countTokens(JSON.stringify(part.json));
      else tokens += TOKENS_PER_NON_TEXT_BLOCK;
    }
    return tokens;
  }
  return TOKENS_PER_NON_TEXT_BLOCK;
}

export function walkPrompt(request: ConverseRequest, visit: PromptVisitor): void {
  for (const tool of request.toolConfig?.tools ?? []) {
    if (tool.cachePoint) visit(() => "cachePoint", 0, true);
    else {
      const json = JSON.stringify(tool.toolSpec ?? {});
      visit(() => json, countTokens(json), false);
    }
  }
  for (const block of request.system ?? []) {
    if (block.cachePoint) visit(() => "cachePoint", 0, true);
    else visit(() => block.text ?? "", countTokens(block.text ?? ""), false);
  }
  for (const message of request.messages) {
    visit(() => message.role, TOKENS_PER_MESSAGE, false);
    for (const block of message.content) {
      visit(() => JSON.stringify(block), blockTokens(block), block.cachePoint !== undefined);
    }
  }
}

export function inputTokens(request: ConverseRequest): number {
  let tokens = REPLY_PRIMING_TOKENS;
  walkPrompt(request, (_identity, pieceTokens) => {
    tokens += pieceTokens;
  });
  return tokens;
}

function lastUserText(request: ConverseRequest): string {
  const message = request.messages.findLast((entry) => entry.role === "user");
  let text = "";
  for (const block of message?.content ?? []) if (block.text) text += block.text;
  return text;
}

function toolChoiceOf(request: ConverseRequest): ToolChoice {
  const choice = request.toolConfig?.toolChoice;
  if (choice?.tool) return { kind: "named", name: choice.tool.name };
  if (choice?.any) return { kind: "required" };
  return { kind: "auto" };
}

function responseFormatOf(request: ConverseRequest): ResponseFormat {
  const format = request.outputConfig?.textFormat;
  if (format?.type !== "json_schema") return { kind: "text" };
  try {
    return { kind: "json_schema", schema: JSON.parse(format.structure.jsonSchema.schema) };
  } catch {
    return { kind: "json_object" };
  }
}

export function toAnswerRequest(request: ConverseRequest, model: string): AnswerRequest {
  const thinking = request.additionalModelRequestFields?.thinking;
  return {
    seedText: `${model}\n${JSON.stringify(request.system ?? [])}\n${JSON.stringify(request.messages)}`,
    lastUserText: lastUserText(request),
    tools: (request.toolConfig?.tools ?? []).flatMap((tool) =>
      tool.toolSpec
        ? [
            {
              name: tool.toolSpec.name,
              description: tool.toolSpec.description ?? "",
              parameters: tool.toolSpec.inputSchema.json,
            },
          ]
        : [],
    ),
    toolChoice: toolChoiceOf(request),
    responseFormat: responseFormatOf(request),
    maxTokens: request.inferenceConfig?.maxTokens,
    stopSequences: request.inferenceConfig?.stopSequences ?? [],
    reasoning:
      thinking && (thinking.type === "enabled" || thinking.type === "adaptive")
        ? { budgetTokens: thinking.budget_tokens }
        : undefined,
  };
}
