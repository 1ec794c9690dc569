// The common Chat Completions body checked by hand (issue 20: the fixed cost of a request). The
// schema (request-schema.ts) is the definition; this only takes bodies it can judge as the
// schema would: text messages of every role, the model, the sampling numbers, output limits,
// stream options, stop, user and the other plain scalars, and fields the schema does not know
// (kept as they are). For such a body it returns what `v.parse(chatRequestSchema, body)` returns
// (test/unit/openai-fast-chat-request.test.ts compares the two on generated bodies); for anything
// else (content parts, tools, response formats, a value out of range, a wrong type) it returns
// null and the schema decides, naming the problem. valibot costs ~2 µs and ~2.3 kB of garbage
// per request on the benchmark's body; this ~0.2 µs and the output objects.
import {
  type Checked,
  checkedBody,
  FAIL,
  integerIn,
  isNullish,
  isPlainObject,
  modelName,
  numberIn,
  ofType,
} from "../fast-check.ts";
import { MAX_OUTPUT_TOKENS } from "../max-output-tokens.ts";
import { type ChatRequest, chatRequestSchema } from "./request-schema.ts";

/** Every field the schema declares; all but `model` and `messages` accept null and undefined. */
const DECLARED = new Set(Object.keys(chatRequestSchema.entries));
/** The assistant message's fields besides role, content and name: all nullish, taken only so. */
const ASSISTANT_NULLISH = [
  "refusal",
  "tool_calls",
  "function_call",
  "audio",
  "mlx:thinking",
  "mlx:signature",
] as const;

/** One declared field's output, or FAIL when it is outside what is judged here. */
function field(key: string, value: unknown): Checked {
  switch (key) {
    case "model":
      return modelName(value);
    case "messages":
      return messages(value);
    case "max_tokens":
    case "max_completion_tokens":
      return integerIn(value, 1, MAX_OUTPUT_TOKENS);
    case "temperature":
      return numberIn(value, 0, 2);
    case "top_p":
      return numberIn(value, 0, 1);
    case "presence_penalty":
    case "frequency_penalty":
      return numberIn(value, -2, 2);
    case "n":
      return integerIn(value, 1, 128);
    case "seed":
      if (isNullish(value)) return value;
      return typeof value === "number" && Number.isSafeInteger(value) ? value : FAIL;
    case "stream":
    case "parallel_tool_calls":
    case "logprobs":
    case "store":
      return ofType(value, "boolean");
    case "user":
    case "reasoning_effort":
    case "service_tier":
      return ofType(value, "string");
    case "stop":
      if (isNullish(value) || typeof value === "string") return value;
      if (!Array.isArray(value)) return FAIL;
      for (const item of value) if (typeof item !== "string") return FAIL;
      return [...value];
    case "stream_options": {
      if (isNullish(value)) return value;
      if (!isPlainObject(value)) return FAIL;
      const options: Record<string, unknown> = {};
      for (const name of ["include_usage", "include_obfuscation"]) {
        if (!(name in value)) continue;
        if (ofType(value[name], "boolean") === FAIL) return FAIL;
        options[name] = value[name];
      }
      return options;
    }
    default:
      // Every other declared field is nullish: null and undefined are taken as they are; any
      // other value (tools, response_format, metadata, …) is the schema's to judge.
      return isNullish(value) ? value : FAIL;
  }
}

function messages(value: unknown): Checked {
  if (!Array.isArray(value) || value.length === 0) return FAIL;
  const output: unknown[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    const message = textMessage(value[index]);
    if (message === null) return FAIL;
    output[index] = message;
  }
  return output;
}

/** A message whose content is a string (or, for the assistant, absent), as the schema outputs it. */
function textMessage(input: unknown): Record<string, unknown> | null {
  if (!isPlainObject(input)) return null;
  const role = input.role;
  if (role === "tool") {
    if (typeof input.tool_call_id !== "string" || typeof input.content !== "string") return null;
    return { role, tool_call_id: input.tool_call_id, content: input.content };
  }
  let output: Record<string, unknown>;
  if (role === "user" || role === "system" || role === "developer") {
    if (typeof input.content !== "string") return null;
    output = { role, content: input.content };
  } else if (role === "assistant") {
    output = { role };
    if ("content" in input) {
      if (!isNullish(input.content) && typeof input.content !== "string") return null;
      output.content = input.content;
    }
    for (const key of ASSISTANT_NULLISH) {
      if (!(key in input)) continue;
      if (!isNullish(input[key])) return null;
      output[key] = input[key];
    }
  } else {
    return null;
  }
  if ("name" in input) {
    if (ofType(input.name, "string") === FAIL) return null;
    output.name = input.name;
  }
  return output;
}

/**
 * What the schema would output for `fields` (an own-property copy of the body), or null when the
 * body is outside the subset judged here.
 */
export function fastChatRequest(fields: Record<string, unknown>): ChatRequest | null {
  if (!("model" in fields) || !("messages" in fields)) return null;
  return checkedBody(fields, DECLARED, field) as ChatRequest | null;
}
