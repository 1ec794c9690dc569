// The canonical request → an Anthropic Messages body. What Claude cannot carry (OpenAI-only
// fields, penalties, sampling that extended thinking forbids) is dropped with a warning.
//
// Defaults, documented in capabilities.ts: max_tokens (required by Anthropic) is 4,096 within the
// model's limit, plus the thinking budget when thinking is on; reasoning effort maps to a
// thinking budget; JSON-schema answers use structured outputs (`output_config.format`) where the
// model has them and a forced tool elsewhere; plain JSON mode is a system instruction (lossy).
import type { CanonicalRequest, CanonicalTool } from "#shared/canonical/request.ts";
import { type ConversionWarning, type Converted, dropped } from "#shared/canonical/warnings.ts";
import {
  DEFAULT_MAX_TOKENS,
  JSON_TOOL_NAME,
  MIN_THINKING_BUDGET,
  maxOutputTokens,
  supportsStructuredOutputs,
  supportsThinking,
  THINKING_BUDGET_BY_EFFORT,
} from "./capabilities.ts";
import { anthropicCacheControl, convertToAnthropicMessages } from "./convert-messages.ts";

const TARGET = "anthropic";

export const JSON_MODE_INSTRUCTION =
  "Respond with one valid JSON value and nothing else: no prose, no code fences.";

export function convertToAnthropicBody(
  request: CanonicalRequest,
  model: string,
): Converted<Record<string, unknown>> {
  const warnings: ConversionWarning[] = [];
  const system = request.system
    .filter((block) => block.text.trim() !== "")
    .map((block) => {
      const text: Record<string, unknown> = { type: "text", text: block.text };
      if (block.cacheControl) text.cache_control = anthropicCacheControl(block.cacheControl);
      return text;
    });
  const tools = request.tools.map((tool) => convertTool(tool, model, warnings));
  const answer: JsonAnswer = {
    system,
    tools,
    toolChoice: request.toolChoice,
    outputConfig: undefined,
  };
  shapeJsonAnswer(request.responseFormat, model, answer, warnings);
  const { toolChoice, outputConfig } = answer;

  const body: Record<string, unknown> = { model };
  const thinking = thinkingBudget(request, model, toolChoice, warnings);
  const limit = maxOutputTokens(model);
  let maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS + (thinking ?? 0);
  if (limit !== undefined && maxTokens > limit) {
    if (request.maxTokens !== undefined) {
      warnings.push(lossy("max_tokens", `lowered to ${model}'s limit of ${limit}`));
    }
    maxTokens = limit;
  }
  body.max_tokens = maxTokens;
  if (system.length > 0) body.system = system;
  body.messages = convertToAnthropicMessages(request.messages, warnings);
  if (tools.length > 0) {
    body.tools = tools;
    const choice = toolChoice && convertToolChoice(toolChoice);
    if (choice) body.tool_choice = choice;
  }
  if (thinking !== undefined) {
    let budget = thinking;
    if (budget >= maxTokens) {
      budget = maxTokens - 1;
      warnings.push(lossy("thinking.budget_tokens", `lowered below max_tokens, to ${budget}`));
    }
    if (budget >= MIN_THINKING_BUDGET) body.thinking = { type: "enabled", budget_tokens: budget };
    else warnings.push(lossy("thinking", `max_tokens ${maxTokens} leaves no room; disabled`));
  }
  addSampling(body, request, model, warnings);
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (outputConfig) body.output_config = outputConfig;
  if (request.stream) body.stream = true;

  if (request.presencePenalty !== undefined) warnings.push(dropped("presence_penalty", TARGET));
  if (request.frequencyPenalty !== undefined) warnings.push(dropped("frequency_penalty", TARGET));
  for (const field of Object.keys(request.openAiOnly)) warnings.push(dropped(field, TARGET));
  return { value: body, warnings };
}

interface JsonAnswer {
  system: Array<Record<string, unknown>>;
  tools: Array<Record<string, unknown>>;
  toolChoice: CanonicalRequest["toolChoice"];
  outputConfig: Record<string, unknown> | undefined;
}

/**
 * A JSON answer: structured outputs where the model has them; else a forced tool for an object
 * schema; else (plain JSON mode, non-object schemas on older models) a system instruction.
 */
function shapeJsonAnswer(
  format: CanonicalRequest["responseFormat"],
  model: string,
  answer: JsonAnswer,
  warnings: ConversionWarning[],
): void {
  if (!format || format.type === "text") return;
  if (format.type === "json-schema" && supportsStructuredOutputs(model)) {
    answer.outputConfig = { format: { type: "json_schema", schema: format.schema } };
  } else if (format.type === "json-schema" && format.schema.type === "object") {
    answer.tools.push({
      name: JSON_TOOL_NAME,
      description: format.description ?? "Answer with JSON matching this schema.",
      input_schema: format.schema,
    });
    if (answer.toolChoice && answer.toolChoice.type !== "auto") {
      warnings.push(lossy("tool_choice", "replaced by the tool that carries the JSON answer"));
    }
    answer.toolChoice = { type: "tool", name: JSON_TOOL_NAME };
  } else {
    const schema =
      format.type === "json-schema"
        ? ` It must match this JSON schema: ${JSON.stringify(format.schema)}`
        : "";
    answer.system.push({ type: "text", text: `${JSON_MODE_INSTRUCTION}${schema}` });
    warnings.push(
      lossy("response_format", "asked for by a system instruction; anthropic does not enforce it"),
    );
  }
}

function convertTool(
  tool: CanonicalTool,
  model: string,
  warnings: ConversionWarning[],
): Record<string, unknown> {
  // Anthropic requires an object schema; OpenAI accepts `{}` for a tool without arguments.
  const schema = { type: "object", ...tool.inputSchema };
  const converted: Record<string, unknown> = { name: tool.name };
  if (tool.description !== undefined) converted.description = tool.description;
  converted.input_schema = schema;
  if (tool.strict) {
    if (supportsStructuredOutputs(model)) converted.strict = true;
    else warnings.push(dropped(`tools.${tool.name}.strict`, model));
  }
  if (tool.cacheControl) converted.cache_control = anthropicCacheControl(tool.cacheControl);
  return converted;
}

function convertToolChoice(
  choice: NonNullable<CanonicalRequest["toolChoice"]>,
): Record<string, unknown> {
  switch (choice.type) {
    case "none":
      return { type: "none" };
    case "tool":
      return { type: "tool", name: choice.name };
    case "auto":
    case "required": {
      const converted: Record<string, unknown> = { type: choice.type === "auto" ? "auto" : "any" };
      if (choice.parallel === false) converted.disable_parallel_tool_use = true;
      return converted;
    }
  }
}

/** The thinking budget to ask for, or undefined when thinking is off or cannot be on. */
function thinkingBudget(
  request: CanonicalRequest,
  model: string,
  toolChoice: CanonicalRequest["toolChoice"],
  warnings: ConversionWarning[],
): number | undefined {
  const thinking = request.thinking;
  if (!thinking?.enabled) return undefined;
  if (!supportsThinking(model)) {
    warnings.push(dropped("thinking", model));
    return undefined;
  }
  if (toolChoice?.type === "required" || toolChoice?.type === "tool") {
    warnings.push(lossy("thinking", "anthropic forbids thinking with a forced tool; disabled"));
    return undefined;
  }
  const budget = thinking.budgetTokens ?? THINKING_BUDGET_BY_EFFORT[thinking.effort ?? "medium"];
  return Math.max(MIN_THINKING_BUDGET, budget);
}

/** Temperature, top_p, top_k and stop sequences within what Claude accepts. */
function addSampling(
  body: Record<string, unknown>,
  request: CanonicalRequest,
  model: string,
  warnings: ConversionWarning[],
): void {
  const thinking = body.thinking !== undefined;
  let { temperature, topP, topK } = request;
  if (thinking) {
    // Extended thinking runs at temperature 1 with top_p of at least 0.95 and no top_k.
    if (temperature !== undefined && temperature !== 1) {
      warnings.push(lossy("temperature", "not allowed with thinking; dropped"));
    }
    temperature = undefined;
    if (topP !== undefined && topP < 0.95) {
      warnings.push(lossy("top_p", "below 0.95 is not allowed with thinking; dropped"));
      topP = undefined;
    }
    if (topK !== undefined) warnings.push(lossy("top_k", "not allowed with thinking; dropped"));
    topK = undefined;
  }
  if (temperature !== undefined && temperature > 1) {
    warnings.push(lossy("temperature", "anthropic's range ends at 1; sent as 1"));
    temperature = 1;
  }
  if (temperature !== undefined && topP !== undefined && supportsStructuredOutputs(model)) {
    // Current Claude models reject both at once.
    warnings.push(lossy("top_p", `${model} takes temperature or top_p, not both; dropped`));
    topP = undefined;
  }
  if (temperature !== undefined) body.temperature = temperature;
  if (topP !== undefined) body.top_p = topP;
  if (topK !== undefined) body.top_k = topK;
  const stops = request.stopSequences ?? [];
  const kept = stops.filter((stop) => stop.trim() !== "");
  if (kept.length < stops.length) {
    warnings.push(lossy("stop_sequences", "whitespace-only sequences are rejected; dropped"));
  }
  if (kept.length > 0) body.stop_sequences = kept;
}

function lossy(subject: string, problem: string): ConversionWarning {
  return { type: "lossy-conversion", subject, message: `${subject}: ${problem}` };
}
