// The parts of a Chat v2 request the simulator reads. Loose objects: fields Cohere accepts and
// the simulator ignores (seed, safety_mode, citation_options, …) pass; the ones it reads are
// checked as Cohere would.
import * as v from "valibot";

const positiveInteger = v.pipe(
  v.number(),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
);

const contentPart = v.looseObject({
  type: v.string(),
  text: v.optional(v.string()),
  thinking: v.optional(v.string()),
});

const content = v.union([v.string(), v.array(contentPart)]);

const toolCall = v.looseObject({
  id: v.optional(v.string()),
  type: v.optional(v.string()),
  function: v.looseObject({ name: v.string(), arguments: v.optional(v.nullable(v.string())) }),
});

const message = v.variant(
  "role",
  [
    v.looseObject({ role: v.literal("system"), content }),
    v.looseObject({ role: v.literal("user"), content }),
    v.looseObject({
      role: v.literal("assistant"),
      content: v.optional(v.nullable(content)),
      tool_calls: v.optional(v.nullable(v.array(toolCall))),
      tool_plan: v.optional(v.nullable(v.string())),
    }),
    v.looseObject({
      role: v.literal("tool"),
      tool_call_id: v.pipe(v.string(), v.minLength(1, "must not be empty")),
      content,
    }),
  ],
  "role must be one of system, user, assistant, tool",
);

const tool = v.looseObject({
  type: v.literal("function"),
  function: v.looseObject({
    name: v.pipe(v.string(), v.minLength(1, "must not be empty")),
    description: v.optional(v.nullable(v.string())),
    parameters: v.optional(v.record(v.string(), v.unknown())),
  }),
});

export const chatRequestSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "must not be empty")),
  messages: v.pipe(v.array(message), v.minLength(1, "must not be empty")),
  stream: v.optional(v.nullable(v.boolean())),
  tools: v.optional(v.nullable(v.array(tool))),
  tool_choice: v.optional(v.nullable(v.picklist(["REQUIRED", "NONE"], "must be REQUIRED or NONE"))),
  documents: v.optional(v.nullable(v.array(v.unknown()))),
  max_tokens: v.optional(v.nullable(positiveInteger)),
  stop_sequences: v.optional(
    v.nullable(v.pipe(v.array(v.string()), v.maxLength(5, "must have at most 5 items"))),
  ),
  temperature: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0, "must be non-negative")))),
  p: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0.01), v.maxValue(0.99)))),
  k: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(500)))),
  response_format: v.optional(
    v.nullable(
      v.looseObject({
        type: v.picklist(["text", "json_object"], "must be text or json_object"),
        json_schema: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
      }),
    ),
  ),
  thinking: v.optional(
    v.nullable(
      v.looseObject({
        type: v.picklist(["enabled", "disabled"], "must be enabled or disabled"),
        token_budget: v.optional(v.nullable(positiveInteger)),
      }),
    ),
  ),
});

export type ChatRequest = v.InferOutput<typeof chatRequestSchema>;
export type ChatMessage = ChatRequest["messages"][number];
