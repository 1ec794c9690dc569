// The common Responses body checked by hand, as the common Chat Completions body is
// (wire/openai/fast-chat-request.ts): the schema (request-schema.ts) is the definition; this only
// takes bodies it can judge as the schema would: `input` as a string, the model, the output limit,
// the sampling numbers, the plain booleans and strings, `include`, and fields the schema does not
// declare (kept as they are). For such a body it returns what `v.parse(responsesRequestSchema,
// body)` returns (test/unit/responses-fast-request.test.ts compares the two on generated
// bodies); anything else (input items, tools, text formats, metadata, a value out of range or of
// the wrong type) is null, and the schema decides and names the problem.
import {
  type Checked,
  checkedBody,
  FAIL,
  integerIn,
  isNullish,
  modelName,
  numberIn,
  ofType,
} from "../../wire/fast-check.ts";
import { MAX_OUTPUT_TOKENS } from "../../wire/max-output-tokens.ts";
import { type ResponsesRequest, responsesRequestSchema } from "./request-schema.ts";

/** Every field the schema declares; all but `model` accept null and undefined. */
const DECLARED = new Set(Object.keys(responsesRequestSchema.entries));

/** One declared field's output, or FAIL when it is outside what is judged here. */
function field(key: string, value: unknown): Checked {
  switch (key) {
    case "model":
      return modelName(value);
    case "input":
      return ofType(value, "string");
    case "max_output_tokens":
      return integerIn(value, 1, MAX_OUTPUT_TOKENS);
    case "temperature":
      return numberIn(value, 0, 2);
    case "top_p":
      return numberIn(value, 0, 1);
    case "stream":
    case "store":
    case "background":
    case "parallel_tool_calls":
      return ofType(value, "boolean");
    case "instructions":
    case "user":
    case "safety_identifier":
    case "service_tier":
    case "prompt_cache_key":
      return ofType(value, "string");
    case "previous_response_id":
      if (isNullish(value)) return value;
      return typeof value === "string" && value.length >= 1 ? value : FAIL;
    case "include":
      if (isNullish(value)) return value;
      if (!Array.isArray(value)) return FAIL;
      for (const item of value) if (typeof item !== "string") return FAIL;
      return [...value];
    default:
      // Every other declared field is nullish: null and undefined are taken as they are; any
      // other value (tools, text, reasoning, metadata, …) is the schema's to judge.
      return isNullish(value) ? value : FAIL;
  }
}

/**
 * What the schema would output for `fields` (an own-property copy of the body), or null when the
 * body is outside the subset judged here.
 */
export function fastResponsesRequest(fields: Record<string, unknown>): ResponsesRequest | null {
  if (!("model" in fields)) return null;
  return checkedBody(fields, DECLARED, field) as ResponsesRequest | null;
}
