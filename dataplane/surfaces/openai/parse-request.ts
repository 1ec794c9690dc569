// A Chat Completions body → the canonical request. Validation errors name the field
// (`messages[2].content[0].image_url.url: …`); fields the canonical model has no slot for, known
// or not, go to `openAiOnly` untouched so OpenAI-family upstreams still receive them.

import * as v from "valibot";
import type { CanonicalRequest, ResponseFormat, ToolChoice } from "#shared/canonical/request.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { fastChatRequest } from "../../wire/openai/fast-chat-request.ts";
import { type ChatRequest, chatRequestSchema } from "../../wire/openai/request-schema.ts";
import { validationError } from "../../wire/validation-error.ts";
import { convertMessagesToCanonical } from "./convert-messages.ts";

/** Top-level fields the canonical request carries; every other one goes to `openAiOnly`. */
const CANONICAL_FIELDS = new Set([
  "model",
  "messages",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "stream",
  "stream_options",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "presence_penalty",
  "frequency_penalty",
  "stop",
  "reasoning_effort",
  "user",
]);

const CANONICAL_EFFORTS = new Set(["minimal", "low", "medium", "high"]);

export function parseOpenAiChatRequest(
  body: Record<string, unknown>,
  _headers?: Headers,
): Converted<CanonicalRequest> {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(body)) {
    if (!key.startsWith("mlx:")) defineField(fields, key, body[key]);
  }
  // The common body is checked by hand (the schema's output for it, fast-chat-request.ts); any
  // other goes through the schema, which names the problem.
  const request = fastChatRequest(fields) ?? parseWithSchema(fields);

  const warnings: ConversionWarning[] = [];
  const openAiOnly: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (!CANONICAL_FIELDS.has(key)) defineField(openAiOnly, key, fields[key]);
  }
  const conversation = convertMessagesToCanonical(request.messages, warnings);
  const canonical: CanonicalRequest = {
    model: request.model,
    system: conversation.system,
    messages: conversation.messages,
    tools: [],
    stream: request.stream === true,
    openAiOnly,
    forwardHeaders: {},
  };

  request.tools?.forEach((tool, index) => {
    if (tool.type !== "function") {
      warnings.push({
        type: "unsupported-field",
        subject: `tools[${index}]`,
        message: `tools[${index}]: custom tools have no canonical form; dropped when translated`,
      });
      return;
    }
    const definition = tool.function;
    canonical.tools.push({
      name: definition.name,
      ...(definition.description != null && { description: definition.description }),
      inputSchema: definition.parameters ?? { type: "object", properties: {} },
      ...(definition.strict != null && { strict: definition.strict }),
    });
  });
  const toolChoice = convertToolChoice(request, openAiOnly, fields);
  if (toolChoice) canonical.toolChoice = toolChoice;

  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) canonical.maxTokens = maxTokens;
  if (request.temperature != null) canonical.temperature = request.temperature;
  if (request.top_p != null) canonical.topP = request.top_p;
  if (request.presence_penalty != null) canonical.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) canonical.frequencyPenalty = request.frequency_penalty;
  if (request.stop != null) {
    canonical.stopSequences = typeof request.stop === "string" ? [request.stop] : request.stop;
  }
  if (request.response_format)
    canonical.responseFormat = convertResponseFormat(request.response_format);
  if (request.reasoning_effort != null) {
    const effort = request.reasoning_effort;
    if (CANONICAL_EFFORTS.has(effort)) {
      canonical.thinking = {
        enabled: true,
        effort: effort as "minimal" | "low" | "medium" | "high",
      };
    } else {
      // "none", "xhigh" and values yet to come: the nearest canonical meaning, the value verbatim.
      canonical.thinking =
        effort === "none" ? { enabled: false } : { enabled: true, effort: "high" };
      defineField(openAiOnly, "reasoning_effort", fields.reasoning_effort);
    }
  }
  if (request.user != null) canonical.user = request.user;
  return { value: canonical, warnings };
}

function parseWithSchema(fields: Record<string, unknown>): ChatRequest {
  // Stops at the first problem: reporting every one of a million wrong items cost a minute of CPU.
  const parsed = v.safeParse(chatRequestSchema, fields, { abortEarly: true });
  if (!parsed.success) throw validationError(parsed.issues);
  return parsed.output;
}

function convertToolChoice(
  request: ChatRequest,
  openAiOnly: Record<string, unknown>,
  fields: Record<string, unknown>,
): ToolChoice | undefined {
  const parallel = request.parallel_tool_calls ?? undefined;
  const choice = request.tool_choice;
  // Most requests say neither: no closure made for them.
  if (choice == null && parallel === undefined) return undefined;
  const withParallel = (type: "auto" | "required"): ToolChoice =>
    parallel === undefined ? { type } : { type, parallel };
  if (choice == null) return parallel === undefined ? undefined : withParallel("auto");
  if (choice === "none") return { type: "none" };
  if (choice === "auto" || choice === "required") return withParallel(choice);
  if (choice.type === "function") return { type: "tool", name: choice.function.name };
  // allowed_tools and custom tools: no canonical form; the nearest mode, the value verbatim.
  defineField(openAiOnly, "tool_choice", fields.tool_choice);
  return choice.type === "allowed_tools"
    ? withParallel(choice.allowed_tools.mode)
    : withParallel("required");
}

function convertResponseFormat(
  format: NonNullable<ChatRequest["response_format"]>,
): ResponseFormat {
  if (format.type === "text") return { type: "text" };
  if (format.type === "json_object") return { type: "json" };
  const schema = format.json_schema;
  return {
    type: "json-schema",
    name: schema.name,
    schema: schema.schema ?? {},
    ...(schema.strict != null && { strict: schema.strict }),
    ...(schema.description != null && { description: schema.description }),
  };
}

/**
 * Sets own properties only, so a client's `__proto__` field is data, never a prototype. Every
 * other key is assigned: the target is a plain object whose prototype has no other setter and no
 * read-only field, and an assignment makes no descriptor object (issue 20).
 */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key !== "__proto__") {
    target[key] = value;
    return;
  }
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
