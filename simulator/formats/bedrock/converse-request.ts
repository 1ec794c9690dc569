// The parts of a Converse request the simulator reads. Loose objects: members we ignore pass;
// the ones we read are checked as Bedrock would, including its conversation rules.
import * as v from "valibot";

const cachePoint = v.optional(v.looseObject({ type: v.string(), ttl: v.optional(v.string()) }));

const toolResultPart = v.looseObject({
  text: v.optional(v.string()),
  json: v.optional(v.unknown()),
});

const contentBlock = v.looseObject({
  text: v.optional(v.string()),
  image: v.optional(v.looseObject({ format: v.picklist(["png", "jpeg", "gif", "webp"]) })),
  document: v.optional(v.looseObject({ format: v.string(), name: v.string() })),
  toolUse: v.optional(
    v.looseObject({ toolUseId: v.string(), name: v.string(), input: v.unknown() }),
  ),
  toolResult: v.optional(
    v.looseObject({
      toolUseId: v.string(),
      content: v.array(toolResultPart),
      status: v.optional(v.picklist(["success", "error"])),
    }),
  ),
  reasoningContent: v.optional(
    v.looseObject({
      reasoningText: v.optional(
        v.looseObject({ text: v.string(), signature: v.optional(v.string()) }),
      ),
      redactedContent: v.optional(v.string()),
    }),
  ),
  cachePoint,
});

const message = v.looseObject({
  role: v.picklist(["user", "assistant"], "Member must satisfy enum value set: [user, assistant]"),
  content: v.array(contentBlock),
});

const tool = v.looseObject({
  toolSpec: v.optional(
    v.looseObject({
      name: v.pipe(v.string(), v.minLength(1)),
      description: v.optional(v.string()),
      inputSchema: v.looseObject({ json: v.record(v.string(), v.unknown()) }),
    }),
  ),
  cachePoint,
});

const toolChoice = v.looseObject({
  auto: v.optional(v.looseObject({})),
  any: v.optional(v.looseObject({})),
  tool: v.optional(v.looseObject({ name: v.string() })),
});

const thinking = v.looseObject({
  type: v.string(),
  budget_tokens: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1024, "budget_tokens: must be at least 1024")),
  ),
});

export const converseRequestSchema = v.looseObject({
  messages: v.pipe(
    v.array(message),
    v.minLength(1, "Member must have length greater than or equal to 1"),
  ),
  system: v.optional(v.array(v.looseObject({ text: v.optional(v.string()), cachePoint }))),
  inferenceConfig: v.optional(
    v.looseObject({
      maxTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
      temperature: v.optional(v.number()),
      topP: v.optional(v.number()),
      stopSequences: v.optional(v.array(v.string())),
    }),
  ),
  toolConfig: v.optional(
    v.looseObject({
      tools: v.pipe(v.array(tool), v.minLength(1)),
      toolChoice: v.optional(toolChoice),
    }),
  ),
  additionalModelRequestFields: v.optional(
    v.looseObject({ thinking: v.optional(thinking), top_k: v.optional(v.number()) }),
  ),
  outputConfig: v.optional(
    v.looseObject({
      textFormat: v.optional(
        v.looseObject({
          type: v.string(),
          structure: v.looseObject({ jsonSchema: v.looseObject({ schema: v.string() }) }),
        }),
      ),
    }),
  ),
});

export type ConverseRequest = v.InferOutput<typeof converseRequestSchema>;
export type ConverseMessage = ConverseRequest["messages"][number];
export type ConverseBlock = ConverseMessage["content"][number];

/** Bedrock's rules over the whole conversation, checked after the schema; the first broken one. */
export function conversationProblem(request: ConverseRequest): string | undefined {
  if (request.messages[0]?.role !== "user")
    return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
  for (let index = 1; index < request.messages.length; index++) {
    if (request.messages[index]?.role === request.messages[index - 1]?.role) {
      return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
    }
  }
  const usesTools = request.messages.some((entry) =>
    entry.content.some((block) => block.toolUse || block.toolResult),
  );
  if (usesTools && !request.toolConfig) {
    return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
  }
  const thinkingBudget = request.additionalModelRequestFields?.thinking?.budget_tokens;
  const maxTokens = request.inferenceConfig?.maxTokens;
  if (thinkingBudget !== undefined && maxTokens !== undefined && maxTokens <= thinkingBudget) {
    return "`max_tokens` must be greater than `thinking.budget_tokens`.";
  }
  return undefined;
}
