// What the gateway reads of Converse answers and ConverseStream events: only those members,
// all nullish, unknown ones passed by (Bedrock adds fields such as `metrics` and `p` padding).
import * as v from "valibot";

export const usageSchema = v.looseObject({
  inputTokens: v.nullish(v.number()),
  outputTokens: v.nullish(v.number()),
  cacheReadInputTokens: v.nullish(v.number()),
  cacheWriteInputTokens: v.nullish(v.number()),
});

const reasoningSchema = v.looseObject({
  reasoningText: v.nullish(
    v.looseObject({ text: v.nullish(v.string()), signature: v.nullish(v.string()) }),
  ),
  redactedContent: v.nullish(v.string()),
});

const contentBlockSchema = v.looseObject({
  text: v.nullish(v.string()),
  toolUse: v.nullish(
    v.looseObject({ toolUseId: v.string(), name: v.string(), input: v.nullish(v.unknown()) }),
  ),
  reasoningContent: v.nullish(reasoningSchema),
});

/** Claude's stop sequence rides here: `{stop_sequence}`, or `{delta: {stop_sequence}}` in streams. */
const additionalFieldsSchema = v.nullish(
  v.looseObject({
    stop_sequence: v.nullish(v.string()),
    delta: v.nullish(v.looseObject({ stop_sequence: v.nullish(v.string()) })),
  }),
);

export const converseResponseSchema = v.looseObject({
  output: v.nullish(
    v.looseObject({
      message: v.nullish(v.looseObject({ content: v.nullish(v.array(contentBlockSchema)) })),
    }),
  ),
  stopReason: v.nullish(v.string()),
  usage: v.nullish(usageSchema),
  additionalModelResponseFields: additionalFieldsSchema,
});

const blockIndex = { contentBlockIndex: v.number() };

export const streamEventSchemas = {
  contentBlockStart: v.looseObject({
    ...blockIndex,
    start: v.nullish(
      v.looseObject({
        toolUse: v.nullish(v.looseObject({ toolUseId: v.string(), name: v.string() })),
      }),
    ),
  }),
  contentBlockDelta: v.looseObject({
    ...blockIndex,
    delta: v.looseObject({
      text: v.nullish(v.string()),
      toolUse: v.nullish(v.looseObject({ input: v.nullish(v.string()) })),
      reasoningContent: v.nullish(
        v.looseObject({
          text: v.nullish(v.string()),
          signature: v.nullish(v.string()),
          redactedContent: v.nullish(v.string()),
        }),
      ),
    }),
  }),
  contentBlockStop: v.looseObject(blockIndex),
  messageStop: v.looseObject({
    stopReason: v.nullish(v.string()),
    additionalModelResponseFields: additionalFieldsSchema,
  }),
  metadata: v.looseObject({ usage: v.nullish(usageSchema) }),
};

export type ConverseResponse = v.InferOutput<typeof converseResponseSchema>;
export type ConverseUsage = v.InferOutput<typeof usageSchema>;
export type AdditionalResponseFields = v.InferOutput<typeof additionalFieldsSchema>;
