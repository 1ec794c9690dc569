// The parts of a Chat Completions request the simulator reads. Loose objects: every field
// OpenAI accepts and we ignore passes through; the ones we read are checked as OpenAI would.
import * as v from "valibot";

const positiveInteger = v.pipe(
  v.number(),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
);

const contentPart = v.looseObject({
  type: v.string(),
  text: v.optional(v.string()),
});

const toolCall = v.looseObject({
  id: v.optional(v.string()),
  type: v.optional(v.string()),
  function: v.looseObject({ name: v.string(), arguments: v.optional(v.string()) }),
});

const message = v.looseObject({
  role: v.picklist(
    ["system", "developer", "user", "assistant", "tool", "function"],
    "Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and 'function'.",
  ),
  content: v.optional(v.nullable(v.union([v.string(), v.array(contentPart)]))),
  tool_calls: v.optional(v.nullable(v.array(toolCall))),
});

// Function tools are the ones the simulator calls; custom tools are accepted and left alone.
const tool = v.looseObject({
  type: v.picklist(["function", "custom"]),
  function: v.optional(
    v.looseObject({
      name: v.pipe(v.string(), v.minLength(1)),
      description: v.optional(v.string()),
      parameters: v.optional(v.record(v.string(), v.unknown())),
    }),
  ),
});

const toolChoice = v.union([
  v.picklist(["none", "auto", "required"]),
  v.looseObject({ type: v.string(), function: v.optional(v.looseObject({ name: v.string() })) }),
]);

const responseFormat = v.looseObject({
  type: v.picklist(["text", "json_object", "json_schema"]),
  json_schema: v.optional(
    v.looseObject({
      name: v.optional(v.string()),
      schema: v.optional(v.record(v.string(), v.unknown())),
    }),
  ),
});

export const chatRequestSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "you must provide a model parameter")),
  messages: v.pipe(
    v.array(message),
    v.minLength(
      1,
      "empty array. Expected an array with minimum length 1, but got an empty array instead.",
    ),
  ),
  stream: v.optional(v.nullable(v.boolean())),
  stream_options: v.optional(
    v.nullable(v.looseObject({ include_usage: v.optional(v.nullable(v.boolean())) })),
  ),
  max_tokens: v.optional(v.nullable(positiveInteger)),
  max_completion_tokens: v.optional(v.nullable(positiveInteger)),
  stop: v.optional(v.nullable(v.union([v.string(), v.array(v.string())]))),
  tools: v.optional(v.nullable(v.array(tool))),
  tool_choice: v.optional(v.nullable(toolChoice)),
  response_format: v.optional(v.nullable(responseFormat)),
  reasoning_effort: v.optional(v.nullable(v.string())),
});

export type ChatRequest = v.InferOutput<typeof chatRequestSchema>;
export type ChatMessage = ChatRequest["messages"][number];
