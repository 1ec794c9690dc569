// What a client may send to POST /openai/v1/responses, declared once. Known fields are checked
// strictly (type, range) so a 400 names the field; unknown top-level fields are kept (they reach
// OpenAI-family upstreams verbatim, and a translated request refuses or drops them by name).
// Input items of the types the gateway translates are checked strictly; items of other types
// (built-in tools' calls, compaction, …) only need a string `type`.
import * as v from "valibot";
import { maxOutputTokensSchema } from "../../wire/max-output-tokens.ts";
import { modelNameSchema } from "../../wire/model-name.ts";

const number = (min: number, max: number) =>
  v.nullish(v.pipe(v.number(), v.minValue(min), v.maxValue(max)));
const nonEmpty = v.pipe(v.string(), v.minLength(1));
const detail = v.nullish(v.picklist(["auto", "low", "high", "original"]));

export const inputTextPart = v.object({ type: v.literal("input_text"), text: v.string() });
export const inputImagePart = v.object({
  type: v.literal("input_image"),
  image_url: v.nullish(nonEmpty),
  file_id: v.nullish(nonEmpty),
  detail,
});
export const inputFilePart = v.object({
  type: v.literal("input_file"),
  file_id: v.nullish(nonEmpty),
  file_data: v.nullish(nonEmpty),
  file_url: v.nullish(nonEmpty),
  filename: v.nullish(v.string()),
});
const inputAudioPart = v.object({
  type: v.literal("input_audio"),
  input_audio: v.object({ data: v.string(), format: v.string() }),
});
const outputTextPart = v.object({ type: v.literal("output_text"), text: v.string() });
const refusalPart = v.object({ type: v.literal("refusal"), refusal: v.string() });

const contentPart = v.variant("type", [
  inputTextPart,
  inputImagePart,
  inputFilePart,
  inputAudioPart,
  outputTextPart,
  refusalPart,
]);

const status = v.nullish(v.picklist(["in_progress", "completed", "incomplete"]));

export const messageItem = v.object({
  type: v.optional(v.literal("message")),
  id: v.nullish(v.string()),
  role: v.picklist(["user", "assistant", "system", "developer"]),
  content: v.union([v.string(), v.array(contentPart)]),
  status,
});

export const functionCallItem = v.object({
  type: v.literal("function_call"),
  id: v.nullish(v.string()),
  call_id: nonEmpty,
  name: nonEmpty,
  arguments: v.string(),
  status,
});

export const functionCallOutputItem = v.object({
  type: v.literal("function_call_output"),
  id: v.nullish(v.string()),
  call_id: nonEmpty,
  output: v.union([
    v.string(),
    v.array(v.variant("type", [inputTextPart, inputImagePart, inputFilePart])),
  ]),
  status,
});

const summaryText = v.object({ type: v.literal("summary_text"), text: v.string() });
const reasoningText = v.object({ type: v.literal("reasoning_text"), text: v.string() });

export const reasoningItem = v.object({
  type: v.literal("reasoning"),
  id: v.nullish(v.string()),
  summary: v.array(summaryText),
  content: v.nullish(v.array(reasoningText)),
  encrypted_content: v.nullish(v.string()),
  status,
});

export const itemReference = v.object({ type: v.literal("item_reference"), id: nonEmpty });

/** Types the gateway reads; any other `type` is kept as the client sent it. */
export const KNOWN_ITEM_SCHEMAS = {
  message: messageItem,
  function_call: functionCallItem,
  function_call_output: functionCallOutputItem,
  reasoning: reasoningItem,
  item_reference: itemReference,
} as const;

/** Any item, before its own schema is applied (checkedItem in parse-request.ts). */
export const anyItemSchema = v.looseObject({ type: v.optional(v.string()) });

const otherItem = v.looseObject({ type: nonEmpty });

/** The schema an item of `type` is checked with: its own, or only a string type for others. */
export function itemSchemaFor(type: string | undefined): v.GenericSchema {
  return (KNOWN_ITEM_SCHEMAS as Record<string, v.GenericSchema>)[type ?? "message"] ?? otherItem;
}

export type MessageItem = v.InferOutput<typeof messageItem>;
export type FunctionCallItem = v.InferOutput<typeof functionCallItem>;
export type FunctionCallOutputItem = v.InferOutput<typeof functionCallOutputItem>;
export type ReasoningItem = v.InferOutput<typeof reasoningItem>;
export type ItemReference = v.InferOutput<typeof itemReference>;
export type OtherItem = v.InferOutput<typeof otherItem>;
export type InputItem =
  | MessageItem
  | FunctionCallItem
  | FunctionCallOutputItem
  | ReasoningItem
  | ItemReference
  | OtherItem;

const functionTool = v.object({
  type: v.literal("function"),
  name: nonEmpty,
  description: v.nullish(v.string()),
  parameters: v.nullish(v.record(v.string(), v.unknown())),
  strict: v.nullish(v.boolean()),
});

export type FunctionTool = v.InferOutput<typeof functionTool>;

/** Function tools are checked by `functionTool`; every other tool needs a string `type`. */
export const anyToolSchema = v.looseObject({ type: nonEmpty });

/** A tool of type "function", strictly. */
export { functionTool };

export const toolChoiceFunction = v.object({ type: v.literal("function"), name: nonEmpty });
export const toolChoiceAllowed = v.object({
  type: v.literal("allowed_tools"),
  mode: v.picklist(["auto", "required"]),
  tools: v.array(v.looseObject({ type: nonEmpty })),
});

const toolChoiceSchema = v.union([
  v.picklist(["none", "auto", "required"]),
  v.looseObject({ type: nonEmpty }),
]);

const formatSchema = v.variant("type", [
  v.object({ type: v.literal("text") }),
  v.object({ type: v.literal("json_object") }),
  v.object({
    type: v.literal("json_schema"),
    name: nonEmpty,
    schema: v.record(v.string(), v.unknown()),
    description: v.nullish(v.string()),
    strict: v.nullish(v.boolean()),
  }),
]);

export const responsesRequestSchema = v.looseObject({
  model: modelNameSchema,
  input: v.nullish(v.union([v.string(), v.array(anyItemSchema)])),
  instructions: v.nullish(v.string()),
  tools: v.nullish(v.array(anyToolSchema)),
  tool_choice: v.nullish(toolChoiceSchema),
  parallel_tool_calls: v.nullish(v.boolean()),
  text: v.nullish(
    v.object({
      format: v.nullish(formatSchema),
      verbosity: v.nullish(v.picklist(["low", "medium", "high"])),
    }),
  ),
  reasoning: v.nullish(
    v.object({
      effort: v.nullish(v.string()),
      summary: v.nullish(v.picklist(["auto", "concise", "detailed"])),
      generate_summary: v.nullish(v.picklist(["auto", "concise", "detailed"])),
    }),
  ),
  max_output_tokens: v.nullish(maxOutputTokensSchema),
  max_tool_calls: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(1))),
  temperature: number(0, 2),
  top_p: number(0, 1),
  top_logprobs: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(20))),
  stream: v.nullish(v.boolean()),
  stream_options: v.nullish(v.object({ include_obfuscation: v.nullish(v.boolean()) })),
  store: v.nullish(v.boolean()),
  background: v.nullish(v.boolean()),
  previous_response_id: v.nullish(nonEmpty),
  include: v.nullish(v.array(v.string())),
  // OpenAI's own bound: 16 pairs, keys up to 64 characters, values up to 512.
  metadata: v.nullish(
    v.pipe(
      v.record(v.pipe(v.string(), v.maxLength(64)), v.pipe(v.string(), v.maxLength(512))),
      v.check((value) => Object.keys(value).length <= 16, "must have at most 16 keys"),
    ),
  ),
  user: v.nullish(v.string()),
  safety_identifier: v.nullish(v.string()),
  truncation: v.nullish(v.picklist(["auto", "disabled"])),
  service_tier: v.nullish(v.string()),
  prompt_cache_key: v.nullish(v.string()),
});

export type ResponsesRequest = v.InferOutput<typeof responsesRequestSchema>;
