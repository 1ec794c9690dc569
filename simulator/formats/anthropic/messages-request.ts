// The parts of a Messages request the simulator reads. Loose objects: fields we ignore pass;
// the ones we read are checked as Anthropic would, including the thinking budget rules.
import * as v from "valibot";

const cacheControl = v.optional(
  v.nullable(v.looseObject({ type: v.string(), ttl: v.optional(v.string()) })),
);

const nestedBlock = v.looseObject({ type: v.string(), text: v.optional(v.string()) });

const contentBlock = v.looseObject({
  type: v.string(),
  text: v.optional(v.string()),
  thinking: v.optional(v.string()),
  name: v.optional(v.string()),
  input: v.optional(v.unknown()),
  content: v.optional(v.union([v.string(), v.array(nestedBlock)])),
  cache_control: cacheControl,
});

const message = v.looseObject({
  role: v.picklist(["user", "assistant"], "Input should be 'user' or 'assistant'"),
  content: v.union([v.string(), v.array(contentBlock)]),
});

const systemBlock = v.looseObject({
  type: v.literal("text"),
  text: v.string(),
  cache_control: cacheControl,
});

const tool = v.looseObject({
  name: v.pipe(v.string(), v.minLength(1)),
  description: v.optional(v.string()),
  input_schema: v.optional(v.record(v.string(), v.unknown())),
  cache_control: cacheControl,
});

const toolChoice = v.looseObject({
  type: v.picklist(["auto", "any", "tool", "none"]),
  name: v.optional(v.string()),
});

const thinking = v.looseObject({
  type: v.picklist(["enabled", "disabled", "adaptive"]),
  budget_tokens: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1024, "Input should be greater than or equal to 1024"),
    ),
  ),
});

const outputFormat = v.looseObject({
  type: v.literal("json_schema"),
  schema: v.record(v.string(), v.unknown()),
});

const promptEntries = {
  model: v.pipe(v.string(), v.minLength(1, "Field required")),
  messages: v.pipe(v.array(message), v.minLength(1, "at least one message is required")),
  system: v.optional(v.union([v.string(), v.array(systemBlock)])),
  tools: v.optional(v.array(tool)),
  tool_choice: v.optional(toolChoice),
  thinking: v.optional(thinking),
};

/** What count_tokens reads: the prompt, without the output settings. */
export const countTokensRequestSchema = v.looseObject(promptEntries);

export const messagesRequestSchema = v.pipe(
  v.looseObject({
    ...promptEntries,
    max_tokens: v.pipe(
      v.number(),
      v.integer("Input should be a valid integer"),
      v.minValue(1, "Input should be greater than or equal to 1"),
    ),
    stream: v.optional(v.boolean()),
    stop_sequences: v.optional(v.array(v.string())),
    /** The structured-outputs beta's field; `output_config.format` is the current one. */
    output_format: v.optional(outputFormat),
    output_config: v.optional(v.looseObject({ format: v.optional(outputFormat) })),
  }),
  v.forward(
    v.check(
      (request) =>
        request.thinking?.type !== "enabled" ||
        request.thinking.budget_tokens === undefined ||
        request.max_tokens > request.thinking.budget_tokens,
      "`max_tokens` must be greater than `thinking.budget_tokens`",
    ),
    ["max_tokens"],
  ),
);

export type PromptRequest = v.InferOutput<typeof countTokensRequestSchema>;
export type MessagesRequest = v.InferOutput<typeof messagesRequestSchema>;
export type ContentBlock = v.InferOutput<typeof contentBlock>;
export type CacheControl = NonNullable<ContentBlock["cache_control"]>;
