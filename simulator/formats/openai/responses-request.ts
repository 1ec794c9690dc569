// What a Responses API request may hold, checked as OpenAI checks it: unknown top-level
// parameters are refused (`Unknown parameter: 'x'.`), the fields the simulator reads are
// validated with their path named, and the shapes of input items and tools are strict enough
// to catch a Chat Completions body sent to /responses. Objects stay loose below the top level:
// fields of items and tools the simulator does not read pass through and are echoed.
import * as v from "valibot";

const nullable = <T extends v.GenericSchema>(schema: T) => v.optional(v.nullable(schema));

const text = v.string();

const inputText = v.looseObject({ type: v.literal("input_text"), text });
const inputImage = v.looseObject({
  type: v.literal("input_image"),
  image_url: nullable(v.string()),
  file_id: nullable(v.string()),
  detail: nullable(v.picklist(["low", "high", "auto", "original"])),
});
const inputFile = v.looseObject({
  type: v.literal("input_file"),
  file_id: nullable(v.string()),
  file_data: v.optional(v.string()),
  file_url: v.optional(v.string()),
  filename: v.optional(v.string()),
});
const outputText = v.looseObject({
  type: v.literal("output_text"),
  text,
  annotations: v.optional(v.array(v.unknown())),
});
const refusal = v.looseObject({ type: v.literal("refusal"), refusal: v.string() });

const PART_TYPES =
  "Supported values are: 'input_text', 'input_image', 'output_text', 'refusal', 'input_file', 'computer_screenshot', and 'summary_text'.";

export const contentPartSchema = v.variant(
  "type",
  [inputText, inputImage, inputFile, outputText, refusal],
  PART_TYPES,
);

const messageItem = v.looseObject({
  type: v.literal("message"),
  id: v.optional(v.string()),
  role: v.picklist(
    ["user", "assistant", "system", "developer"],
    "Supported values are: 'assistant', 'system', 'developer', and 'user'.",
  ),
  content: v.union([v.string(), v.array(contentPartSchema)]),
  status: v.optional(v.string()),
});

const functionCallItem = v.looseObject({
  type: v.literal("function_call"),
  id: v.optional(v.string()),
  call_id: v.pipe(v.string(), v.minLength(1)),
  name: v.pipe(v.string(), v.minLength(1)),
  arguments: v.string(),
  status: v.optional(v.string()),
});

const functionCallOutputItem = v.looseObject({
  type: v.literal("function_call_output"),
  id: v.optional(v.nullable(v.string())),
  call_id: v.pipe(v.string(), v.minLength(1)),
  output: v.union([v.string(), v.array(contentPartSchema)]),
  status: v.optional(v.nullable(v.string())),
});

const reasoningItem = v.looseObject({
  type: v.literal("reasoning"),
  id: v.string(),
  summary: v.array(v.looseObject({ type: v.literal("summary_text"), text })),
  encrypted_content: nullable(v.string()),
});

const itemReference = v.looseObject({ type: v.literal("item_reference"), id: v.string() });

/** Outputs of built-in tools sent back as context: read as opaque items of their type. */
const hostedItem = (type: string) =>
  v.looseObject({ type: v.literal(type), id: v.optional(v.string()) });

const computerCallOutput = v.looseObject({
  type: v.literal("computer_call_output"),
  call_id: v.pipe(v.string(), v.minLength(1)),
  output: v.looseObject({ type: v.string() }),
});

export const inputItemSchema = v.variant("type", [
  messageItem,
  functionCallItem,
  functionCallOutputItem,
  reasoningItem,
  itemReference,
  hostedItem("web_search_call"),
  hostedItem("file_search_call"),
  hostedItem("code_interpreter_call"),
  hostedItem("computer_call"),
  computerCallOutput,
]);

const functionTool = v.looseObject({
  type: v.literal("function"),
  name: v.pipe(v.string(), v.minLength(1), v.regex(/^[a-zA-Z0-9_-]{1,64}$/, "invalid name")),
  description: nullable(v.string()),
  parameters: nullable(v.record(v.string(), v.unknown())),
  strict: nullable(v.boolean()),
});

/** Built-in tools the simulator answers with an output item of their own type. */
export const HOSTED_TOOL_TYPES = [
  "web_search",
  "web_search_preview",
  "web_search_2025_08_26",
  "web_search_preview_2025_03_11",
  "file_search",
  "code_interpreter",
  "computer_use_preview",
] as const;
export type HostedToolType = (typeof HOSTED_TOOL_TYPES)[number];

const fileSearchTool = v.looseObject({
  type: v.literal("file_search"),
  vector_store_ids: v.array(v.string()),
  max_num_results: nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50))),
});
const codeInterpreterTool = v.looseObject({
  type: v.literal("code_interpreter"),
  container: v.union([v.string(), v.looseObject({ type: v.literal("auto") })]),
});
const computerUseTool = v.looseObject({
  type: v.literal("computer_use_preview"),
  display_width: v.pipe(v.number(), v.integer(), v.minValue(1)),
  display_height: v.pipe(v.number(), v.integer(), v.minValue(1)),
  environment: v.picklist(["windows", "mac", "linux", "ubuntu", "browser"]),
});
const webSearchTool = (type: string) =>
  v.looseObject({
    type: v.literal(type),
    search_context_size: nullable(v.picklist(["low", "medium", "high"])),
  });

/** Accepted and echoed, never called by the simulated model (as Chat's custom tools). */
const acceptedTool = (type: string) => v.looseObject({ type: v.literal(type) });

export const toolSchema = v.variant("type", [
  functionTool,
  fileSearchTool,
  codeInterpreterTool,
  computerUseTool,
  webSearchTool("web_search"),
  webSearchTool("web_search_preview"),
  webSearchTool("web_search_2025_08_26"),
  webSearchTool("web_search_preview_2025_03_11"),
  acceptedTool("custom"),
  acceptedTool("mcp"),
  acceptedTool("image_generation"),
  acceptedTool("local_shell"),
]);

const toolChoiceSchema = v.union([
  v.picklist(["none", "auto", "required"]),
  v.looseObject({ type: v.literal("function"), name: v.string() }),
  v.looseObject({
    type: v.literal("allowed_tools"),
    mode: v.picklist(["auto", "required"]),
    tools: v.array(v.looseObject({ type: v.string(), name: v.optional(v.string()) })),
  }),
  v.looseObject({ type: v.picklist([...HOSTED_TOOL_TYPES, "image_generation"]) }),
  v.looseObject({ type: v.picklist(["mcp", "custom"]), name: v.optional(v.string()) }),
]);

const textFormatSchema = v.variant("type", [
  v.looseObject({ type: v.literal("text") }),
  v.looseObject({ type: v.literal("json_object") }),
  v.looseObject({
    type: v.literal("json_schema"),
    name: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9_-]{1,64}$/, "invalid name")),
    schema: v.record(v.string(), v.unknown()),
    description: v.optional(v.string()),
    strict: nullable(v.boolean()),
  }),
]);

export const INCLUDABLE = [
  "reasoning.encrypted_content",
  "message.output_text.logprobs",
  "web_search_call.action.sources",
  "web_search_call.results",
  "file_search_call.results",
  "code_interpreter_call.outputs",
  "computer_call_output.output.image_url",
  "message.input_image.image_url",
] as const;

const metadataSchema = v.pipe(
  v.record(
    v.pipe(v.string(), v.maxLength(64, "keys must be at most 64 characters")),
    v.pipe(v.string(), v.maxLength(512, "values must be at most 512 characters")),
  ),
  v.check((value) => Object.keys(value).length <= 16, "at most 16 pairs are allowed"),
);

export const responsesRequestSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "you must provide a model parameter")),
  input: v.optional(
    v.union([
      v.string(),
      v.array(
        v.pipe(
          v.unknown(),
          // An EasyInputMessage ({role, content}) is a message item without its type.
          v.transform((item) =>
            typeof item === "object" && item !== null && !("type" in item) && "role" in item
              ? { ...item, type: "message" }
              : item,
          ),
          inputItemSchema,
        ),
      ),
    ]),
  ),
  instructions: nullable(v.string()),
  background: nullable(v.boolean()),
  store: nullable(v.boolean()),
  stream: nullable(v.boolean()),
  stream_options: nullable(v.strictObject({ include_obfuscation: v.optional(v.boolean()) })),
  previous_response_id: nullable(v.pipe(v.string(), v.minLength(1))),
  include: nullable(v.array(v.picklist(INCLUDABLE))),
  max_output_tokens: nullable(
    v.pipe(
      v.number(),
      v.integer("must be an integer"),
      v.minValue(16, "integer below minimum value. Expected a value >= 16"),
    ),
  ),
  max_tool_calls: nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
  metadata: nullable(metadataSchema),
  parallel_tool_calls: nullable(v.boolean()),
  reasoning: nullable(
    v.looseObject({
      effort: nullable(v.picklist(["none", "minimal", "low", "medium", "high", "xhigh"])),
      summary: nullable(v.picklist(["auto", "concise", "detailed"])),
      generate_summary: nullable(v.picklist(["auto", "concise", "detailed"])),
    }),
  ),
  temperature: nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(2))),
  top_p: nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  top_logprobs: nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(20))),
  text: nullable(
    v.looseObject({
      format: v.optional(textFormatSchema),
      verbosity: nullable(v.picklist(["low", "medium", "high"])),
    }),
  ),
  tools: nullable(v.array(toolSchema)),
  tool_choice: nullable(toolChoiceSchema),
  truncation: nullable(v.picklist(["auto", "disabled"])),
  service_tier: nullable(v.picklist(["auto", "default", "flex", "scale", "priority"])),
  user: v.optional(v.string()),
  safety_identifier: nullable(v.string()),
  prompt_cache_key: nullable(v.string()),
  prompt_cache_retention: nullable(v.picklist(["in_memory", "24h"])),
});

/** Every top-level parameter the simulator takes; anything else is OpenAI's `unknown_parameter`. */
export const KNOWN_PARAMETERS = new Set(Object.keys(responsesRequestSchema.entries));

export type ResponsesRequest = v.InferOutput<typeof responsesRequestSchema>;
export type InputItem = v.InferOutput<typeof inputItemSchema>;
export type ContentPart = v.InferOutput<typeof contentPartSchema>;
export type Tool = v.InferOutput<typeof toolSchema>;
export type FunctionTool = Extract<Tool, { type: "function" }>;
