// Reads a GenerateContentRequest for the answer planner and counts its prompt tokens.
//
// Prompt tokens = the tokens of the tools' JSON + the system text + every part: text,
// functionCall name and args JSON, functionResponse name and response JSON, 258 per inline or
// file part (Gemini's count for an image). No per-message overhead: Gemini reports none.
import type { AnswerRequest, ResponseFormat, ToolChoice } from "../../common/answer.ts";
import { countTokens } from "../../common/tokens.ts";
import type { GeminiPart, GenerateContentRequest, PromptRequest } from "./request.ts";

export const TOKENS_PER_MEDIA_PART = 258;

function partTokens(part: GeminiPart): number {
  if (part.text !== undefined) return countTokens(part.text);
  if (part.functionCall)
    return (
      countTokens(part.functionCall.name) +
      countTokens(JSON.stringify(part.functionCall.args ?? {}))
    );
  if (part.functionResponse)
    return (
      countTokens(part.functionResponse.name) +
      countTokens(JSON.stringify(part.functionResponse.response))
    );
  return part.inlineData || part.fileData ? TOKENS_PER_MEDIA_PART : 0;
}

export function promptTokens(request: PromptRequest): number {
  let tokens =
    request.tools && request.tools.length > 0 ? countTokens(JSON.stringify(request.tools)) : 0;
  for (const part of request.systemInstruction?.parts ?? []) tokens += partTokens(part);
  for (const content of request.contents)
    for (const part of content.parts) tokens += partTokens(part);
  return tokens;
}

function lastUserText(request: PromptRequest): string {
  const last = request.contents.findLast((content) => content.role !== "model");
  let text = "";
  // A turn that only returns function results has no text: the model then answers in prose.
  for (const part of last?.parts ?? []) if (part.text && !part.thought) text += part.text;
  return text;
}

/** Gemini's Type enum is upper case ("OBJECT", as the SDK sends it); the planner reads JSON Schema. */
export function lowerCaseTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerCaseTypes);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "type" && typeof value === "string") out.type = value.toLowerCase();
    else if (key === "properties" && typeof value === "object" && value !== null) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, lowerCaseTypes(child)]),
      );
    } else if (key === "items" || key === "anyOf") out[key] = lowerCaseTypes(value);
    else out[key] = value;
  }
  return out;
}

function toolChoiceOf(request: GenerateContentRequest): ToolChoice {
  const config = request.toolConfig?.functionCallingConfig;
  if (config?.mode === "NONE") return { kind: "none" };
  if (config?.mode === "ANY") {
    const [only, ...others] = config.allowedFunctionNames ?? [];
    return only !== undefined && others.length === 0
      ? { kind: "named", name: only }
      : { kind: "required" };
  }
  return { kind: "auto" };
}

function responseFormatOf(request: GenerateContentRequest): ResponseFormat {
  const config = request.generationConfig;
  if (config?.responseMimeType !== "application/json") return { kind: "text" };
  const schema = config.responseSchema ?? config.responseJsonSchema;
  return schema ? { kind: "json_schema", schema: lowerCaseTypes(schema) } : { kind: "json_object" };
}

/** Thinking happens when a thinkingConfig asks for it (a budget of 0 turns it off). */
export function thinkingOf(request: GenerateContentRequest) {
  const thinking = request.generationConfig?.thinkingConfig;
  if (!thinking || thinking.thinkingBudget === 0) return undefined;
  const budget = thinking.thinkingBudget;
  return {
    budgetTokens: budget !== undefined && budget > 0 ? budget : undefined,
    includeThoughts: thinking.includeThoughts === true,
  };
}

export function toAnswerRequest(model: string, request: GenerateContentRequest): AnswerRequest {
  const thinking = thinkingOf(request);
  const config = request.generationConfig;
  return {
    seedText: `${model}\n${JSON.stringify(request.systemInstruction ?? "")}\n${JSON.stringify(request.contents)}`,
    lastUserText: lastUserText(request),
    tools: (request.tools ?? []).flatMap((tool) =>
      (tool.functionDeclarations ?? []).map((declaration) => ({
        name: declaration.name,
        description: declaration.description ?? "",
        parameters: lowerCaseTypes(
          declaration.parameters ?? declaration.parametersJsonSchema ?? {},
        ),
      })),
    ),
    toolChoice: toolChoiceOf(request),
    responseFormat: responseFormatOf(request),
    maxTokens: config?.maxOutputTokens,
    stopSequences: config?.stopSequences ?? [],
    reasoning: thinking ? { budgetTokens: thinking.budgetTokens } : undefined,
  };
}

/**
 * Gemini 3 refuses a conversation whose current turn (everything after the last user text)
 * sends back a model step's function calls without the thoughtSignature they came with.
 */
export function missingSignatureProblem(
  model: string,
  request: GenerateContentRequest,
): string | undefined {
  if (!model.startsWith("gemini-3")) return undefined;
  const { contents } = request;
  const turnStart = contents.findLastIndex(
    (content) => content.role !== "model" && content.parts.some((part) => part.text !== undefined),
  );
  for (const [position, content] of contents.entries()) {
    if (position <= turnStart || content.role !== "model") continue;
    const firstCall = content.parts.find((part) => part.functionCall);
    if (firstCall && !firstCall.thoughtSignature) {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${firstCall.functionCall?.name}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
  }
  return undefined;
}
