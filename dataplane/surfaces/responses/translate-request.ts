// A checked Responses request → the canonical request, for vendors that do not serve the
// Responses API. Pure: what the target cannot carry is a warning naming the field, what cannot be
// translated at all a blocker; both apply only when a translated attempt is made (the passthrough
// sends the body as it is). OpenAI's built-in tools are listed apart: refused by name, or dropped
// with a warning when the request says so (X-Modelux-Unsupported-Tools: drop).
import type {
  CanonicalRequest,
  CanonicalTool,
  ResponseFormat,
  ToolChoice,
} from "#shared/canonical/request.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import { itemsToCanonical, type LocatedItem } from "./input-items.ts";
import { type CheckedRequest, invalid } from "./parse-request.ts";
import type { FunctionTool, ResponsesRequest } from "./request-schema.ts";

export interface Translation {
  canonical: CanonicalRequest;
  /** Added to the answer's warnings when a translated attempt is made. */
  warnings: ConversionWarning[];
  /** The first is the answer (a 400) when a translated attempt would be made. */
  blockers: GatewayError[];
  /** OpenAI built-in tools the request names (`tools[1]`: "web_search"), refused or dropped. */
  hostedTools: Array<{ param: string; type: string }>;
}

const CANONICAL_EFFORTS = new Set(["minimal", "low", "medium", "high"]);

/**
 * Fields a translated request cannot honour, dropped with a warning when set to anything but
 * their default. `conversation`, `prompt` and `background` are blockers instead (below).
 */
const DROPPED_FIELDS: Array<[string, (value: unknown) => boolean]> = [
  ["top_logprobs", (value) => value !== 0],
  ["max_tool_calls", () => true],
  ["truncation", (value) => value !== "disabled"],
  ["service_tier", (value) => value !== "auto" && value !== "default"],
  ["prompt_cache_key", () => true],
  ["prompt_cache_retention", () => true],
  ["context_management", () => true],
  ["moderation", () => true],
  ["image", () => true],
  ["access_programs", () => true],
  ["prompt_cache_options", () => true],
];

/** Handled here or by the gateway's state; anything else top-level is dropped with a warning. */
const KNOWN_FIELDS = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "text",
  "reasoning",
  "max_output_tokens",
  "temperature",
  "top_p",
  "stream",
  "stream_options",
  "store",
  "background",
  "previous_response_id",
  "include",
  "metadata",
  "user",
  "safety_identifier",
  "conversation",
  "prompt",
  ...DROPPED_FIELDS.map(([field]) => field),
]);

/**
 * `items`: what the request stands on, in order (its `previous_response_id` chain's turns, then
 * its own input, named items read from the store); the checked input by default.
 */
export function translateRequest(
  checked: CheckedRequest,
  body: Record<string, unknown>,
  items: readonly LocatedItem[] = checked.items.map((item, index) => ({
    item,
    path: `input[${index}]`,
  })),
): Translation {
  const { request } = checked;
  const conversation = itemsToCanonical(items);
  const warnings = [...conversation.warnings];
  const blockers = [...conversation.blockers];
  const system = request.instructions ? [{ text: request.instructions }] : [];
  const canonical: CanonicalRequest = {
    model: request.model,
    system: [...system, ...conversation.system],
    messages: conversation.messages,
    tools: [],
    stream: request.stream === true,
    openAiOnly: {},
    forwardHeaders: {},
  };
  if (canonical.messages.length === 0)
    blockers.push(invalid("input", "is required (with at least one message) when translated"));
  if (body.conversation != null)
    blockers.push(
      invalid("conversation", "OpenAI conversations are kept by OpenAI; use previous_response_id"),
    );
  if (body.prompt != null)
    blockers.push(
      invalid("prompt", "stored prompt templates are OpenAI's; send input and instructions"),
    );
  if (request.background === true)
    blockers.push(
      invalid("background", "background responses are run by OpenAI-family upstreams only"),
    );

  const hostedTools: Translation["hostedTools"] = [];
  checked.tools.forEach((tool, index) => {
    if (tool.type === "function") canonical.tools.push(functionTool(tool as FunctionTool));
    else hostedTools.push({ param: `tools[${index}]`, type: tool.type });
  });
  const toolChoice = convertToolChoice(request, canonical, hostedTools, warnings);
  if (toolChoice) canonical.toolChoice = toolChoice;

  if (request.max_output_tokens != null) canonical.maxTokens = request.max_output_tokens;
  if (request.temperature != null) canonical.temperature = request.temperature;
  if (request.top_p != null) canonical.topP = request.top_p;
  const user = request.user ?? request.safety_identifier;
  if (user != null) canonical.user = user;
  const format = request.text?.format;
  if (format) canonical.responseFormat = responseFormat(format);
  if (request.text?.verbosity != null && request.text.verbosity !== "medium")
    warnings.push(dropped("text.verbosity"));
  const effort = request.reasoning?.effort;
  if (effort != null) {
    canonical.thinking = CANONICAL_EFFORTS.has(effort)
      ? { enabled: true, effort: effort as "minimal" | "low" | "medium" | "high" }
      : effort === "none"
        ? { enabled: false }
        : { enabled: true, effort: "high" };
  }
  for (const included of request.include ?? []) {
    if (included !== "reasoning.encrypted_content") warnings.push(dropped(`include.${included}`));
  }
  if (request.stream_options?.include_obfuscation === true)
    warnings.push(dropped("stream_options.include_obfuscation"));
  for (const [field, set] of DROPPED_FIELDS) {
    if (body[field] != null && set(body[field])) warnings.push(dropped(field));
  }
  for (const field of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(field) && !field.startsWith("mlx:")) warnings.push(dropped(field));
  }
  return { canonical, warnings, blockers, hostedTools };
}

function functionTool(tool: FunctionTool): CanonicalTool {
  return {
    name: tool.name,
    ...(tool.description != null && { description: tool.description }),
    inputSchema: tool.parameters ?? { type: "object", properties: {} },
    ...(tool.strict != null && { strict: tool.strict }),
  };
}

function convertToolChoice(
  request: ResponsesRequest,
  canonical: CanonicalRequest,
  hostedTools: Translation["hostedTools"],
  warnings: ConversionWarning[],
): ToolChoice | undefined {
  const parallel = request.parallel_tool_calls ?? undefined;
  const mode = (type: "auto" | "required"): ToolChoice =>
    parallel === undefined ? { type } : { type, parallel };
  const choice = request.tool_choice;
  if (choice == null) return parallel === undefined ? undefined : mode("auto");
  if (choice === "none") return { type: "none" };
  if (choice === "auto" || choice === "required") return mode(choice);
  if (choice.type === "function") return { type: "tool", name: String(choice.name) };
  if (choice.type === "allowed_tools") {
    // Only the allowed function tools are offered: what allowed_tools means.
    const allowed = new Set(
      (choice.tools as Array<Record<string, unknown>>)
        .filter((tool) => tool.type === "function")
        .map((tool) => String(tool.name)),
    );
    canonical.tools = canonical.tools.filter((tool) => allowed.has(tool.name));
    return mode(choice.mode === "required" ? "required" : "auto");
  }
  // A built-in tool (or custom, mcp) forced by type: refused or dropped with its tools.
  hostedTools.push({ param: "tool_choice", type: choice.type });
  warnings.push({
    type: "lossy-conversion",
    subject: "tool_choice",
    message: `tool_choice: ${choice.type} is not a function tool; auto is sent instead`,
  });
  return mode("auto");
}

function responseFormat(
  format: NonNullable<NonNullable<ResponsesRequest["text"]>["format"]>,
): ResponseFormat {
  if (format.type === "text") return { type: "text" };
  if (format.type === "json_object") return { type: "json" };
  return {
    type: "json-schema",
    name: format.name,
    schema: format.schema,
    ...(format.strict != null && { strict: format.strict }),
    ...(format.description != null && { description: format.description }),
  };
}

function dropped(field: string): ConversionWarning {
  return {
    type: "unsupported-field",
    subject: field,
    message: `${field} has no equivalent on this upstream (it is not an OpenAI-family one); dropped`,
  };
}
