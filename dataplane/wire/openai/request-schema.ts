// What a client may send to /openai/v1/chat/completions, declared once. Known fields are checked
// strictly (type, range) so errors name the field; unknown top-level fields are kept (they reach
// OpenAI-family upstreams verbatim) and unknown keys inside messages are ignored.
import * as v from "valibot";
import { maxOutputTokensSchema } from "../max-output-tokens.ts";
import { modelNameSchema } from "../model-name.ts";

const number = (min: number, max: number) =>
  v.nullish(v.pipe(v.number(), v.minValue(min), v.maxValue(max)));
const nonEmpty = v.pipe(v.string(), v.minLength(1));

const textPart = v.object({ type: v.literal("text"), text: v.string() });
const imagePart = v.object({
  type: v.literal("image_url"),
  image_url: v.object({ url: nonEmpty, detail: v.nullish(v.picklist(["auto", "low", "high"])) }),
});
const audioPart = v.object({
  type: v.literal("input_audio"),
  input_audio: v.object({ data: v.string(), format: v.string() }),
});
const filePart = v.object({
  type: v.literal("file"),
  file: v.object({
    file_id: v.nullish(v.string()),
    file_data: v.nullish(v.string()),
    filename: v.nullish(v.string()),
  }),
});
const refusalPart = v.object({ type: v.literal("refusal"), refusal: v.string() });
const textContent = v.union([v.string(), v.array(textPart)]);

const toolCallSchema = v.variant("type", [
  v.object({
    id: nonEmpty,
    type: v.literal("function"),
    function: v.object({ name: v.string(), arguments: v.string() }),
    // The gateway's own: the call's signature as the gateway sent it (sealed with its origin).
    "mlx:signature": v.nullish(v.string()),
  }),
  v.object({
    id: nonEmpty,
    type: v.literal("custom"),
    custom: v.object({ name: v.string(), input: v.string() }),
  }),
]);

const thinkingItemSchema = v.variant("type", [
  v.object({
    type: v.literal("thinking"),
    thinking: v.string(),
    signature: v.nullish(v.string()),
  }),
  v.object({ type: v.literal("redacted_thinking"), data: v.string() }),
]);

// The roles in the order they are most often sent: valibot's variant tries each option's
// discriminator in turn and builds an issue object for every one that does not match, so a user
// message first costs no failed check (issue 20: the fixed cost of a request).
export const messageSchema = v.variant("role", [
  v.object({
    role: v.literal("user"),
    content: v.union([
      v.string(),
      v.array(v.variant("type", [textPart, imagePart, audioPart, filePart])),
    ]),
    name: v.nullish(v.string()),
  }),
  v.object({
    role: v.literal("assistant"),
    content: v.nullish(v.union([v.string(), v.array(v.variant("type", [textPart, refusalPart]))])),
    refusal: v.nullish(v.string()),
    tool_calls: v.nullish(v.array(toolCallSchema)),
    function_call: v.nullish(v.object({ name: v.string(), arguments: v.string() })),
    audio: v.nullish(v.object({ id: v.string() })),
    name: v.nullish(v.string()),
    // The gateway's own, as it sent them: thinking with its signatures, the text's signature.
    "mlx:thinking": v.nullish(v.array(thinkingItemSchema)),
    "mlx:signature": v.nullish(v.string()),
  }),
  v.object({ role: v.literal("system"), content: textContent, name: v.nullish(v.string()) }),
  v.object({ role: v.literal("developer"), content: textContent, name: v.nullish(v.string()) }),
  v.object({ role: v.literal("tool"), tool_call_id: v.string(), content: textContent }),
]);

const toolSchema = v.variant("type", [
  v.object({
    type: v.literal("function"),
    function: v.object({
      name: nonEmpty,
      description: v.nullish(v.string()),
      parameters: v.nullish(v.record(v.string(), v.unknown())),
      strict: v.nullish(v.boolean()),
    }),
  }),
  v.object({ type: v.literal("custom"), custom: v.object({ name: nonEmpty }) }),
]);

const toolChoiceSchema = v.union([
  v.picklist(["none", "auto", "required"]),
  v.object({ type: v.literal("function"), function: v.object({ name: nonEmpty }) }),
  v.object({ type: v.literal("custom"), custom: v.object({ name: nonEmpty }) }),
  v.object({
    type: v.literal("allowed_tools"),
    allowed_tools: v.object({
      mode: v.picklist(["auto", "required"]),
      tools: v.array(v.record(v.string(), v.unknown())),
    }),
  }),
]);

const responseFormatSchema = v.variant("type", [
  v.object({ type: v.literal("text") }),
  v.object({ type: v.literal("json_object") }),
  v.object({
    type: v.literal("json_schema"),
    json_schema: v.object({
      name: nonEmpty,
      description: v.nullish(v.string()),
      schema: v.nullish(v.record(v.string(), v.unknown())),
      strict: v.nullish(v.boolean()),
    }),
  }),
]);

export const chatRequestSchema = v.looseObject({
  model: modelNameSchema,
  messages: v.pipe(v.array(messageSchema), v.minLength(1)),
  tools: v.nullish(v.array(toolSchema)),
  tool_choice: v.nullish(toolChoiceSchema),
  parallel_tool_calls: v.nullish(v.boolean()),
  response_format: v.nullish(responseFormatSchema),
  stream: v.nullish(v.boolean()),
  stream_options: v.nullish(
    v.object({
      include_usage: v.nullish(v.boolean()),
      include_obfuscation: v.nullish(v.boolean()),
    }),
  ),
  max_tokens: v.nullish(maxOutputTokensSchema),
  max_completion_tokens: v.nullish(maxOutputTokensSchema),
  temperature: number(0, 2),
  top_p: number(0, 1),
  presence_penalty: number(-2, 2),
  frequency_penalty: number(-2, 2),
  stop: v.nullish(v.union([v.string(), v.array(v.string())])),
  reasoning_effort: v.nullish(v.string()),
  user: v.nullish(v.string()),
  metadata: v.nullish(v.record(v.string(), v.string())),
  // OpenAI's own bounds, refused here rather than forwarded for an upstream to refuse.
  n: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(128))),
  seed: v.nullish(v.pipe(v.number(), v.safeInteger())),
  logprobs: v.nullish(v.boolean()),
  top_logprobs: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(20))),
  logit_bias: v.nullish(
    v.record(v.string(), v.pipe(v.number(), v.minValue(-100), v.maxValue(100))),
  ),
  store: v.nullish(v.boolean()),
  service_tier: v.nullish(v.string()),
  modalities: v.nullish(v.array(v.string())),
});

export type ChatRequest = v.InferOutput<typeof chatRequestSchema>;
export type ChatMessage = v.InferOutput<typeof messageSchema>;
