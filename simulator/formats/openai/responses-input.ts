// Reads the items a Responses request gives the model: normalizes `input` (a string or items)
// into stored items with ids, counts their tokens, and turns the whole context into what the
// answer planner needs.
//
// Input tokens = 3 per item + its text (message parts, function names and arguments, function
// outputs; 85 per image or file part) + `instructions` as one more message + the tools' JSON
// + 3 to prime the reply, as for Chat Completions. Reasoning items count nothing (OpenAI drops
// earlier reasoning from the context).
import type { AnswerRequest, ResponseFormat, ToolChoice } from "../../common/answer.ts";
import { countTokens } from "../../common/tokens.ts";
import {
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NON_TEXT_PART,
} from "./chat-prompt.ts";
import type { PromptPiece } from "./prompt-caching.ts";
import {
  defaultEffort,
  type Effort,
  effortBudget,
  isReasoningModel,
} from "./responses-reasoning.ts";
import type { FunctionTool, InputItem, ResponsesRequest } from "./responses-request.ts";

/** An item as stored and listed: its type, an id, and the fields of its kind. */
export type ResponseItem = { type: string; id?: string; [field: string]: unknown };

/** Ids shaped like OpenAI's (`msg_` + 48 hex digits); they differ on every response. */
export function itemId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return prefix + Buffer.from(bytes).toString("hex");
}

const ID_PREFIX: Record<string, string> = {
  message: "msg_",
  function_call: "fc_",
  function_call_output: "fco_",
  computer_call_output: "cuo_",
};

/** The request's own input items, each with an id, string contents turned into parts. */
export function normalizeInput(input: ResponsesRequest["input"]): ResponseItem[] {
  if (input === undefined) return [];
  if (typeof input === "string") {
    return [
      {
        id: itemId("msg_"),
        type: "message",
        status: "completed",
        role: "user",
        content: [{ type: "input_text", text: input }],
      },
    ];
  }
  return input.map((item: InputItem) => {
    const id = typeof item.id === "string" ? item.id : itemId(ID_PREFIX[item.type] ?? "item_");
    // The id leads, as OpenAI lists items; the client's own id (when given) is kept.
    const copy: ResponseItem = { ...({ id } as { id: string }), ...(item as ResponseItem), id };
    if (item.type === "message" && typeof item.content === "string") {
      const type = item.role === "assistant" ? "output_text" : "input_text";
      copy.content = [
        type === "output_text"
          ? { type, text: item.content, annotations: [] }
          : { type, text: item.content },
      ];
    }
    if (item.type === "message" && copy.status === undefined) copy.status = "completed";
    return copy;
  });
}

function partsOf(item: ResponseItem): Array<Record<string, unknown>> {
  const content = item.content ?? item.output;
  if (typeof content === "string") return [{ type: "input_text", text: content }];
  return Array.isArray(content) ? (content as Array<Record<string, unknown>>) : [];
}

function partText(part: Record<string, unknown>): string | undefined {
  if (typeof part.text === "string") return part.text;
  if (typeof part.refusal === "string") return part.refusal;
  return undefined;
}

export function itemText(item: ResponseItem): string {
  let text = "";
  for (const part of partsOf(item)) text += partText(part) ?? "";
  return text;
}

/** Fields that differ on every call (ids) or are opaque stay out of seeds and cache keys. */
const VOLATILE = new Set(["id", "call_id", "encrypted_content", "status"]);

export function canonicalItem(item: ResponseItem): string {
  return JSON.stringify(item, (key, value) => (VOLATILE.has(key) ? undefined : value));
}

export function itemTokens(item: ResponseItem): number {
  switch (item.type) {
    case "reasoning":
      return 0;
    case "message":
    case "function_call_output": {
      let tokens = TOKENS_PER_MESSAGE;
      for (const part of partsOf(item)) {
        const text = partText(part);
        tokens += text === undefined ? TOKENS_PER_NON_TEXT_PART : countTokens(text);
      }
      return tokens;
    }
    case "function_call":
      return (
        TOKENS_PER_MESSAGE + countTokens(String(item.name)) + countTokens(String(item.arguments))
      );
    case "computer_call_output":
      return TOKENS_PER_MESSAGE + TOKENS_PER_NON_TEXT_PART;
    default:
      return TOKENS_PER_MESSAGE + countTokens(canonicalItem(item));
  }
}

export function functionTools(request: ResponsesRequest): FunctionTool[] {
  return (request.tools ?? []).filter((tool): tool is FunctionTool => tool.type === "function");
}

function toolsJson(request: ResponsesRequest): string {
  return request.tools && request.tools.length > 0 ? JSON.stringify(request.tools) : "";
}

/** The prompt in order, for the token count and the prompt cache. */
export function* promptPieces(
  request: ResponsesRequest,
  context: ResponseItem[],
): Generator<PromptPiece> {
  const tools = toolsJson(request);
  if (tools) yield { text: tools, tokens: countTokens(tools), boundary: false };
  if (request.instructions) {
    const tokens = TOKENS_PER_MESSAGE + countTokens(request.instructions);
    yield { text: request.instructions, tokens, boundary: true };
  }
  for (const item of context) {
    yield { text: canonicalItem(item), tokens: itemTokens(item), boundary: true };
  }
}

export function inputTokens(request: ResponsesRequest, context: ResponseItem[]): number {
  let tokens = REPLY_PRIMING_TOKENS;
  for (const piece of promptPieces(request, context)) tokens += piece.tokens;
  return tokens;
}

/** The effort the model reasons with, or null for a model that does not reason. */
export function effortOf(request: ResponsesRequest): Effort | null {
  return request.reasoning?.effort ?? defaultEffort(request.model);
}

function toolChoiceOf(request: ResponsesRequest): ToolChoice {
  const choice = request.tool_choice;
  if (!choice || choice === "auto") return { kind: "auto" };
  if (choice === "none") return { kind: "none" };
  if (choice === "required") return { kind: "required" };
  if (choice.type === "function") return { kind: "named", name: choice.name as string };
  if (choice.type === "allowed_tools")
    return { kind: choice.mode === "required" ? "required" : "auto" };
  // A built-in, MCP or custom tool is forced: no function tool is called.
  return { kind: "none" };
}

/** Function tools the model may call: all of them, or those `allowed_tools` lists. */
function callableTools(request: ResponsesRequest): FunctionTool[] {
  const tools = functionTools(request);
  const choice = request.tool_choice;
  if (typeof choice !== "object" || choice === null || choice.type !== "allowed_tools")
    return tools;
  const allowed = new Set(
    (choice.tools as Array<{ type: string; name?: string }>)
      .filter((tool) => tool.type === "function")
      .map((tool) => tool.name),
  );
  return tools.filter((tool) => allowed.has(tool.name));
}

function responseFormatOf(request: ResponsesRequest): ResponseFormat {
  const format = request.text?.format;
  if (format?.type === "json_object") return { kind: "json_object" };
  if (format?.type === "json_schema") return { kind: "json_schema", schema: format.schema };
  return { kind: "text" };
}

/** The last item when it is a user's own message: only a user's turn can prompt a tool call. */
export function lastUserMessage(context: ResponseItem[]): ResponseItem | undefined {
  const last = context.at(-1);
  return last?.type === "message" && last.role === "user" ? last : undefined;
}

export function toAnswerRequest(request: ResponsesRequest, context: ResponseItem[]): AnswerRequest {
  const lastUser = lastUserMessage(context);
  const effort = effortOf(request);
  const seedItems = context.map(canonicalItem).join("\n");
  return {
    seedText: `${request.model}\n${request.instructions ?? ""}\n${seedItems}`,
    lastUserText: lastUser ? itemText(lastUser) : "",
    tools: callableTools(request).map((tool) => ({
      name: tool.name,
      description: tool.description ?? "",
      parameters: tool.parameters ?? {},
    })),
    toolChoice: toolChoiceOf(request),
    responseFormat: responseFormatOf(request),
    maxTokens: request.max_output_tokens ?? undefined,
    stopSequences: [],
    reasoning:
      isReasoningModel(request.model) && effort !== null && effort !== "none"
        ? { budgetTokens: effortBudget(effort) }
        : undefined,
  };
}
