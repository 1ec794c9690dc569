// A canonical request → Cohere's Chat v2 body. What Cohere cannot carry is dropped with a warning:
// OpenAI-only fields (one warning each), the end-user id, thinking on models that do not think,
// stop sequences beyond five; sampling values outside Cohere's ranges are clamped with a warning.
// Cache markers are dropped silently (Cohere caches on its own) and forwarded headers are meant
// for other vendors.
import type { CanonicalRequest, CanonicalTool, ToolChoice } from "#shared/canonical/request.ts";
import { type ConversionWarning, type Converted, dropped } from "#shared/canonical/warnings.ts";
import {
  MAX_STOP_SEQUENCES,
  PARAMETER_RANGES,
  supportsThinking,
  THINKING_BUDGET_BY_EFFORT,
} from "./capabilities.ts";
import { convertMessages } from "./convert-messages.ts";
import type { CohereChatRequest, CohereTool } from "./wire-request.ts";

const TARGET = "Cohere";

export function convertRequest(
  request: CanonicalRequest,
  model: string,
): Converted<CohereChatRequest> {
  const warnings: ConversionWarning[] = [];
  const conversation = convertMessages(request.system, request.messages);
  warnings.push(...conversation.warnings);
  const body: CohereChatRequest = {
    model,
    messages: conversation.value.messages,
    stream: request.stream,
  };
  if (conversation.value.documents.length > 0) body.documents = conversation.value.documents;
  applyTools(request.tools, request.toolChoice, body, warnings);

  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  const p = clamp("top_p", request.topP, PARAMETER_RANGES.p, warnings);
  if (p !== undefined) body.p = p;
  const k = clamp("top_k", request.topK, PARAMETER_RANGES.k, warnings);
  if (k !== undefined) body.k = k;
  const presence = clamp(
    "presence_penalty",
    request.presencePenalty,
    PARAMETER_RANGES.presence_penalty,
    warnings,
  );
  if (presence !== undefined) body.presence_penalty = presence;
  const frequency = clamp(
    "frequency_penalty",
    request.frequencyPenalty,
    PARAMETER_RANGES.frequency_penalty,
    warnings,
  );
  if (frequency !== undefined) body.frequency_penalty = frequency;
  applyStopSequences(request.stopSequences ?? [], body, warnings);

  const format = request.responseFormat;
  if (format?.type === "json") body.response_format = { type: "json_object" };
  if (format?.type === "json-schema") {
    body.response_format = { type: "json_object", json_schema: format.schema };
  }
  applyThinking(request, model, body, warnings);

  for (const field of Object.keys(request.openAiOnly)) warnings.push(dropped(field, TARGET));
  if (request.user !== undefined) warnings.push(dropped("user", TARGET));
  return { value: body, warnings };
}

/**
 * Cohere's tool choice is REQUIRED or NONE (absent = auto). A named tool is forced by offering
 * only that tool with REQUIRED, which is what naming it means.
 */
function applyTools(
  tools: CanonicalTool[],
  choice: ToolChoice | undefined,
  body: CohereChatRequest,
  warnings: ConversionWarning[],
): void {
  if (tools.length === 0) return;
  let offered = tools;
  if (choice?.type === "tool") {
    const named = tools.filter((tool) => tool.name === choice.name);
    if (named.length > 0) offered = named;
    body.tool_choice = "REQUIRED";
  } else if (choice?.type === "required") body.tool_choice = "REQUIRED";
  else if (choice?.type === "none") body.tool_choice = "NONE";
  if ((choice?.type === "auto" || choice?.type === "required") && choice.parallel === false) {
    warnings.push(dropped("parallel_tool_calls", TARGET));
  }
  body.tools = offered.map(toCohereTool);
  // Cohere's strictness is per request; one strict tool makes them all strict.
  if (offered.some((tool) => tool.strict)) body.strict_tools = true;
}

function toCohereTool(tool: CanonicalTool): CohereTool {
  const fn: CohereTool["function"] = { name: tool.name, parameters: tool.inputSchema };
  if (tool.description) fn.description = tool.description;
  return { type: "function", function: fn };
}

function applyStopSequences(
  stops: string[],
  body: CohereChatRequest,
  warnings: ConversionWarning[],
): void {
  if (stops.length === 0) return;
  body.stop_sequences = stops.slice(0, MAX_STOP_SEQUENCES);
  if (stops.length > MAX_STOP_SEQUENCES) {
    warnings.push({
      type: "lossy-conversion",
      subject: "stop_sequences",
      message: `Cohere takes at most ${MAX_STOP_SEQUENCES} stop sequences; the rest were dropped`,
    });
  }
}

function applyThinking(
  request: CanonicalRequest,
  model: string,
  body: CohereChatRequest,
  warnings: ConversionWarning[],
): void {
  const thinking = request.thinking;
  if (!thinking) return;
  if (!supportsThinking(model)) {
    // Turning thinking off on a model that never thinks loses nothing.
    if (thinking.enabled) warnings.push(dropped("thinking", `${TARGET} model ${model}`));
    return;
  }
  if (!thinking.enabled) {
    body.thinking = { type: "disabled" };
    return;
  }
  const budget =
    thinking.budgetTokens ??
    (thinking.effort ? THINKING_BUDGET_BY_EFFORT[thinking.effort] : undefined);
  body.thinking =
    budget === undefined ? { type: "enabled" } : { type: "enabled", token_budget: budget };
}

function clamp(
  subject: string,
  value: number | undefined,
  range: { minimum: number; maximum: number },
  warnings: ConversionWarning[],
): number | undefined {
  if (value === undefined) return undefined;
  const clamped = Math.min(range.maximum, Math.max(range.minimum, value));
  if (clamped !== value) {
    warnings.push({
      type: "lossy-conversion",
      subject,
      message: `Cohere takes ${subject} in [${range.minimum}, ${range.maximum}]; ${value} was sent as ${clamped}`,
    });
  }
  return clamped;
}
