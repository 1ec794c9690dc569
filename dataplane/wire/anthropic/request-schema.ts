// What a client may send to /anthropic/v1/messages, declared once. Known fields are checked as
// Anthropic checks them (types, ranges, required fields) so errors name the field. Unknown
// top-level fields and block types Anthropic has added (server tools, their results, search
// results…) are accepted: the same-shape fast path forwards them, translation drops them.
import * as v from "valibot";
import { maxOutputTokensSchema } from "../max-output-tokens.ts";
import { modelNameSchema } from "../model-name.ts";

const nonEmpty = v.pipe(v.string(), v.minLength(1));
const unitInterval = v.nullish(v.pipe(v.number(), v.minValue(0), v.maxValue(1)));

const cacheControl = v.nullish(
  v.object({ type: v.literal("ephemeral"), ttl: v.nullish(v.picklist(["5m", "1h"])) }),
);

const textBlock = v.object({
  type: v.literal("text"),
  text: v.string(),
  cache_control: cacheControl,
  citations: v.nullish(v.array(v.unknown())),
});

const imageBlock = v.object({
  type: v.literal("image"),
  source: v.variant("type", [
    v.object({
      type: v.literal("base64"),
      media_type: v.picklist(["image/jpeg", "image/png", "image/gif", "image/webp"]),
      data: nonEmpty,
    }),
    v.object({ type: v.literal("url"), url: nonEmpty }),
    v.object({ type: v.literal("file"), file_id: nonEmpty }),
  ]),
  cache_control: cacheControl,
});

const documentBlock = v.object({
  type: v.literal("document"),
  source: v.variant("type", [
    v.object({
      type: v.literal("base64"),
      media_type: v.literal("application/pdf"),
      data: nonEmpty,
    }),
    v.object({ type: v.literal("text"), media_type: v.literal("text/plain"), data: v.string() }),
    v.object({ type: v.literal("url"), url: nonEmpty }),
    v.object({ type: v.literal("file"), file_id: nonEmpty }),
    v.object({
      type: v.literal("content"),
      content: v.union([v.string(), v.array(v.variant("type", [textBlock, imageBlock]))]),
    }),
  ]),
  title: v.nullish(v.string()),
  context: v.nullish(v.string()),
  citations: v.nullish(v.object({ enabled: v.nullish(v.boolean()) })),
  cache_control: cacheControl,
});

/**
 * A block of a type this schema does not spell out: only its `type` is checked. The check is a
 * schema, not a pipe, so a malformed known block reports its own field, not this.
 */
const otherBlock = (known: ReadonlySet<string>) =>
  v.looseObject({
    type: v.custom<string>(
      (type) => typeof type === "string" && !known.has(type),
      "a block type this endpoint does not know",
    ),
  });

const TOOL_RESULT_PARTS = new Set(["text", "image", "document"]);

const knownToolResultPart = v.variant("type", [textBlock, imageBlock, documentBlock]);
const toolResultPart = v.union([knownToolResultPart, otherBlock(TOOL_RESULT_PARTS)]);

const toolResultBlock = v.object({
  type: v.literal("tool_result"),
  tool_use_id: nonEmpty,
  content: v.nullish(v.union([v.string(), v.array(toolResultPart)])),
  is_error: v.nullish(v.boolean()),
  cache_control: cacheControl,
});

const toolUseBlock = v.object({
  type: v.literal("tool_use"),
  id: nonEmpty,
  name: nonEmpty,
  input: v.record(v.string(), v.unknown()),
  cache_control: cacheControl,
});

const thinkingBlock = v.object({
  type: v.literal("thinking"),
  thinking: v.string(),
  signature: v.string(),
});

const redactedThinkingBlock = v.object({ type: v.literal("redacted_thinking"), data: v.string() });

const KNOWN_BLOCKS = new Set([
  "text",
  "image",
  "document",
  "tool_result",
  "tool_use",
  "thinking",
  "redacted_thinking",
]);

const knownBlock = v.variant("type", [
  textBlock,
  imageBlock,
  documentBlock,
  toolResultBlock,
  toolUseBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

const contentBlock = v.union([knownBlock, otherBlock(KNOWN_BLOCKS)]);

const content = v.union([v.string(), v.array(contentBlock)]);

export const messageSchema = v.object({
  role: v.picklist(["user", "assistant", "system"]),
  content,
});

const customTool = v.object({
  type: v.nullish(v.literal("custom")),
  name: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9_-]{1,128}$/, "Invalid tool name")),
  description: v.nullish(v.string()),
  input_schema: v.looseObject({ type: v.literal("object") }),
  strict: v.nullish(v.boolean()),
  cache_control: cacheControl,
});

/** Anthropic's own tools (web search, code execution, …): a versioned type and a name. */
const serverTool = v.looseObject({
  type: v.custom<string>((type) => typeof type === "string" && type !== "custom", "a tool type"),
  name: nonEmpty,
});

const toolSchema = v.union([customTool, serverTool]);

const parallel = { disable_parallel_tool_use: v.nullish(v.boolean()) };
const toolChoiceSchema = v.variant("type", [
  v.object({ type: v.literal("auto"), ...parallel }),
  v.object({ type: v.literal("any"), ...parallel }),
  v.object({ type: v.literal("tool"), name: nonEmpty, ...parallel }),
  v.object({ type: v.literal("none") }),
]);

const display = { display: v.nullish(v.picklist(["summarized", "omitted"])) };
const thinkingSchema = v.variant("type", [
  v.object({
    type: v.literal("enabled"),
    budget_tokens: v.pipe(v.number(), v.integer(), v.minValue(1024)),
    ...display,
  }),
  v.object({ type: v.literal("adaptive"), ...display }),
  v.object({ type: v.literal("disabled") }),
]);

const jsonOutputFormat = v.object({
  type: v.literal("json_schema"),
  schema: v.record(v.string(), v.unknown()),
});

export const messagesRequestSchema = v.pipe(
  v.looseObject({
    model: modelNameSchema,
    messages: v.pipe(v.array(messageSchema), v.minLength(1)),
    max_tokens: maxOutputTokensSchema,
    system: v.nullish(
      v.union([
        v.string(),
        v.array(
          v.object({
            type: v.literal("text"),
            text: v.string(),
            cache_control: cacheControl,
            citations: v.nullish(v.array(v.unknown())),
          }),
        ),
      ]),
    ),
    metadata: v.nullish(v.looseObject({ user_id: v.nullish(v.string()) })),
    stop_sequences: v.nullish(v.array(v.string())),
    stream: v.nullish(v.boolean()),
    temperature: unitInterval,
    top_p: unitInterval,
    // 32-bit, as vendors read it (Google's topK is an int32).
    top_k: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31 - 1))),
    tools: v.nullish(v.array(toolSchema)),
    tool_choice: v.nullish(toolChoiceSchema),
    thinking: v.nullish(thinkingSchema),
    output_config: v.nullish(
      v.looseObject({ effort: v.nullish(v.string()), format: v.nullish(jsonOutputFormat) }),
    ),
    output_format: v.nullish(jsonOutputFormat),
  }),
  v.forward(
    v.check(
      (request) =>
        request.thinking?.type !== "enabled" || request.max_tokens > request.thinking.budget_tokens,
      "must be greater than thinking.budget_tokens",
    ),
    ["max_tokens"],
  ),
);

export type MessagesRequest = v.InferOutput<typeof messagesRequestSchema>;
export type RequestMessage = v.InferOutput<typeof messageSchema>;
export type RequestBlock = v.InferOutput<typeof contentBlock>;
export type KnownBlock = v.InferOutput<typeof knownBlock>;
export type ToolResultPart = v.InferOutput<typeof toolResultPart>;
export type KnownToolResultPart = v.InferOutput<typeof knownToolResultPart>;
export type RequestTool = v.InferOutput<typeof toolSchema>;
export type CustomTool = v.InferOutput<typeof customTool>;
export type RequestCacheControl = NonNullable<v.InferOutput<typeof cacheControl>>;

export function isKnownBlock(block: RequestBlock): block is KnownBlock {
  return KNOWN_BLOCKS.has(block.type);
}

export function isKnownToolResultPart(part: ToolResultPart): part is KnownToolResultPart {
  return TOOL_RESULT_PARTS.has(part.type);
}

export function isCustomTool(tool: RequestTool): tool is CustomTool {
  return tool.type == null || tool.type === "custom";
}
