// Canonical request → a Chat Completions body, for OpenAI and every vendor speaking its dialect.
// `openAiOnly` fields are copied last and verbatim: the client sent them for an OpenAI-shaped
// upstream, so they win over anything derived here.
import type { CanonicalRequest, ResponseFormat, ToolChoice } from "#shared/canonical/request.ts";
import { type ConversionWarning, type Converted, dropped } from "#shared/canonical/warnings.ts";
import type { ChatDialect } from "./capabilities.ts";
import { convertToOpenAiMessages } from "./convert-messages.ts";

/** Fields the converter owns; an `openAiOnly` entry never replaces them. */
const OWNED_FIELDS = new Set(["model", "messages", "stream"]);

export function convertToOpenAiChatBody(
  request: CanonicalRequest,
  model: string,
  dialect: ChatDialect,
): Converted<Record<string, unknown>> {
  const messages = convertToOpenAiMessages(request, model, dialect);
  const warnings: ConversionWarning[] = [...messages.warnings];
  const body: Record<string, unknown> = { model, messages: messages.value };
  const set = (field: string, value: unknown) => {
    if (value === undefined) return;
    if (dialect.unsupportedFields.includes(field)) warnings.push(dropped(field, dialect.target));
    else body[field] = value;
  };

  addTools(request, dialect, set, warnings);
  if (request.responseFormat) {
    set("response_format", responseFormat(request.responseFormat, dialect, warnings));
  }
  if (request.maxTokens !== undefined) set(dialect.tokenLimitField(model), request.maxTokens);
  const sampling: Array<[string, number | undefined]> = [
    ["temperature", request.temperature],
    ["top_p", request.topP],
    ["presence_penalty", request.presencePenalty],
    ["frequency_penalty", request.frequencyPenalty],
  ];
  for (const [field, value] of sampling) {
    if (value === undefined) continue;
    if (dialect.samplingParameters(model)) set(field, value);
    else warnings.push(dropped(field, `${dialect.target} model ${model}`));
  }
  if (request.topK !== undefined) {
    if (dialect.topK) set("top_k", request.topK);
    else warnings.push(dropped("top_k", dialect.target));
  }
  if (request.stopSequences && request.stopSequences.length > 0) set("stop", request.stopSequences);
  if (request.thinking?.enabled)
    set("reasoning_effort", reasoningEffort(request, model, dialect, warnings));
  set("user", request.user);
  if (request.stream) {
    body.stream = true;
    if (dialect.streamOptions === "send") body.stream_options = { include_usage: true };
  }

  for (const [field, value] of Object.entries(request.openAiOnly)) {
    if (OWNED_FIELDS.has(field)) continue;
    if (field === "stream_options") {
      // Keep the client's other options, but the gateway needs the usage chunk to account spend.
      if (request.stream && isRecord(value) && dialect.streamOptions !== "strip") {
        const ours = isRecord(body.stream_options) ? body.stream_options : {};
        body.stream_options = { ...value, ...ours };
      }
      continue;
    }
    body[field] = value;
  }
  return { value: body, warnings };
}

function addTools(
  request: CanonicalRequest,
  dialect: ChatDialect,
  set: (field: string, value: unknown) => void,
  warnings: ConversionWarning[],
): void {
  if (request.tools.length === 0) return;
  if (!dialect.capabilities.tools) {
    warnings.push(dropped("tools", dialect.target));
    if (request.toolChoice) warnings.push(dropped("tool_choice", dialect.target));
    return;
  }
  set(
    "tools",
    request.tools.map((tool) => {
      const definition: Record<string, unknown> = { name: tool.name };
      if (tool.description !== undefined) definition.description = tool.description;
      definition.parameters = tool.inputSchema;
      if (tool.strict !== undefined) definition.strict = tool.strict;
      return { type: "function", function: definition };
    }),
  );
  if (request.toolChoice) {
    set("tool_choice", toolChoice(request.toolChoice));
    if ("parallel" in request.toolChoice && request.toolChoice.parallel !== undefined) {
      set("parallel_tool_calls", request.toolChoice.parallel);
    }
  }
}

function toolChoice(choice: ToolChoice): unknown {
  if (choice.type === "tool") return { type: "function", function: { name: choice.name } };
  return choice.type;
}

function responseFormat(
  format: ResponseFormat,
  dialect: ChatDialect,
  warnings: ConversionWarning[],
): unknown {
  if (format.type === "text") return { type: "text" };
  if (!dialect.capabilities.json) {
    warnings.push(dropped("response_format", dialect.target));
    return undefined;
  }
  if (format.type === "json") {
    if (dialect.jsonObject) return { type: "json_object" };
    warnings.push(
      lossy("response_format", `${dialect.target} takes JSON schemas only; any object`),
    );
    return jsonSchemaFormat({ name: "response", schema: { type: "object" } });
  }
  if (dialect.jsonSchema) return jsonSchemaFormat(format);
  if (dialect.jsonObject) {
    warnings.push(lossy("response_format", `${dialect.target} takes no JSON schema; JSON mode`));
    return { type: "json_object" };
  }
  warnings.push(dropped("response_format", dialect.target));
  return undefined;
}

function jsonSchemaFormat(format: {
  name: string;
  schema: Record<string, unknown>;
  strict?: boolean;
  description?: string;
}): unknown {
  const jsonSchema: Record<string, unknown> = { name: format.name };
  if (format.description !== undefined) jsonSchema.description = format.description;
  jsonSchema.schema = format.schema;
  if (format.strict !== undefined) jsonSchema.strict = format.strict;
  return { type: "json_schema", json_schema: jsonSchema };
}

/**
 * `effort` when the client named one; otherwise a thinking budget (Anthropic, Gemini) mapped to
 * the nearest effort: under 4k tokens low, under 16k medium, else high.
 */
function reasoningEffort(
  request: CanonicalRequest,
  model: string,
  dialect: ChatDialect,
  warnings: ConversionWarning[],
): string | undefined {
  const thinking = request.thinking;
  if (!dialect.reasoningEffort(model)) {
    warnings.push(dropped("thinking", `${dialect.target} model ${model}`));
    return undefined;
  }
  if (thinking?.effort) return thinking.effort;
  const budget = thinking?.budgetTokens;
  if (budget === undefined) return undefined;
  const effort = budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
  warnings.push(lossy("thinking.budget_tokens", `sent as reasoning_effort "${effort}"`));
  return effort;
}

function lossy(subject: string, what: string): ConversionWarning {
  return { type: "lossy-conversion", subject, message: `${subject}: ${what}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
