// A Messages body → the canonical request. Validation errors name the field
// (`messages[1].content[0].source.media_type: …`). Fields and blocks with no canonical slot are
// kept for the same-shape fast path (which forwards the body itself) and warned about, since a
// translation for another vendor drops them.
import * as v from "valibot";
import type { CanonicalRequest, CanonicalTool, ToolChoice } from "#shared/canonical/request.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  isCustomTool,
  type MessagesRequest,
  messagesRequestSchema,
} from "../../wire/anthropic/request-schema.ts";
import { validationError } from "../../wire/validation-error.ts";
import {
  convertMessagesToCanonical,
  convertSystem,
  unsupported,
  withCache,
} from "./convert-messages.ts";

/** Top-level fields the canonical request carries; any other is warned about. */
const CANONICAL_FIELDS = new Set([
  "model",
  "messages",
  "max_tokens",
  "system",
  "metadata",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "thinking",
  "output_config",
  "output_format",
]);

/** Request headers Anthropic reads that travel to the upstream verbatim. */
const FORWARDED_HEADERS = ["anthropic-beta", "anthropic-version"];

const EFFORTS: Record<string, "low" | "medium" | "high"> = {
  low: "low",
  medium: "medium",
  high: "high",
  xhigh: "high",
  max: "high",
};

export function parseAnthropicRequest(
  body: Record<string, unknown>,
  headers?: Headers,
): Converted<CanonicalRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GatewayError("invalid_request", "body: expected a JSON object", { param: "body" });
  }
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(body)) {
    // Own properties only, so a client's `__proto__` field is data, never a prototype.
    if (!key.startsWith("mlx:")) {
      Object.defineProperty(fields, key, { value: body[key], enumerable: true, writable: true });
    }
  }
  // Stops at the first problem: reporting every one of a million wrong items cost a minute of CPU.
  const parsed = v.safeParse(messagesRequestSchema, fields, { abortEarly: true });
  if (!parsed.success) throw validationError(parsed.issues);
  const request = parsed.output;

  const warnings: ConversionWarning[] = [];
  for (const key of Object.keys(fields)) {
    if (!CANONICAL_FIELDS.has(key)) warnings.push(unsupported(key, key));
  }
  const system = convertSystem(request.system);
  const messages = convertMessagesToCanonical(request.messages, system, warnings);
  const canonical: CanonicalRequest = {
    model: request.model,
    system,
    messages,
    tools: convertTools(request.tools, warnings),
    maxTokens: request.max_tokens,
    stream: request.stream === true,
    openAiOnly: {},
    forwardHeaders: forwardHeaders(headers),
  };
  const toolChoice = convertToolChoice(request.tool_choice);
  if (toolChoice) canonical.toolChoice = toolChoice;
  if (request.temperature != null) canonical.temperature = request.temperature;
  if (request.top_p != null) canonical.topP = request.top_p;
  if (request.top_k != null) canonical.topK = request.top_k;
  if (request.stop_sequences?.length) canonical.stopSequences = request.stop_sequences;
  const format = request.output_config?.format ?? request.output_format;
  if (format) {
    canonical.responseFormat = { type: "json-schema", name: "response", schema: format.schema };
  }
  convertThinking(request, canonical, warnings);

  const metadata = request.metadata;
  if (metadata) {
    if (metadata.user_id != null) canonical.user = metadata.user_id;
    for (const key of Object.keys(metadata)) {
      if (key !== "user_id") warnings.push(unsupported(`metadata.${key}`, `metadata.${key}`));
    }
  }
  return { value: canonical, warnings };
}

function convertTools(
  tools: MessagesRequest["tools"],
  warnings: ConversionWarning[],
): CanonicalTool[] {
  const converted: CanonicalTool[] = [];
  tools?.forEach((tool, index) => {
    if (!isCustomTool(tool)) {
      warnings.push(unsupported(`tools[${index}]`, `the ${tool.type} tool`));
      return;
    }
    const definition: CanonicalTool = { name: tool.name, inputSchema: tool.input_schema };
    if (tool.description != null) definition.description = tool.description;
    if (tool.strict != null) definition.strict = tool.strict;
    converted.push(withCache(definition, tool.cache_control));
  });
  return converted;
}

function convertToolChoice(choice: MessagesRequest["tool_choice"]): ToolChoice | undefined {
  if (!choice) return undefined;
  if (choice.type === "none") return { type: "none" };
  if (choice.type === "tool") return { type: "tool", name: choice.name };
  const type = choice.type === "any" ? "required" : "auto";
  return choice.disable_parallel_tool_use == null
    ? { type }
    : { type, parallel: !choice.disable_parallel_tool_use };
}

/** `thinking`, and `output_config.effort` as the canonical effort while thinking is on. */
function convertThinking(
  request: MessagesRequest,
  canonical: CanonicalRequest,
  warnings: ConversionWarning[],
): void {
  const thinking = request.thinking;
  const effortName = request.output_config?.effort;
  const effort = effortName == null ? undefined : EFFORTS[effortName];
  if (thinking?.type === "enabled") {
    canonical.thinking = { enabled: true, budgetTokens: thinking.budget_tokens };
  } else if (thinking?.type === "adaptive") {
    canonical.thinking = { enabled: true };
  } else if (thinking?.type === "disabled") {
    canonical.thinking = { enabled: false };
  }
  if (effortName == null) return;
  if (canonical.thinking?.enabled && effort && Object.hasOwn(EFFORTS, effortName)) {
    canonical.thinking.effort = effort;
  } else {
    warnings.push(unsupported("output_config.effort", "effort without thinking"));
  }
}

function forwardHeaders(headers: Headers | undefined): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers?.get(name);
    if (value != null) forwarded[name] = value;
  }
  return forwarded;
}
