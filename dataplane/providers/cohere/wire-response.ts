// What modelux reads from a Chat v2 answer: only those fields, all nullish, so a field Cohere
// adds or leaves out never fails a response (citations, logprobs, tool_plan are not read).
import * as v from "valibot";

const toolCallSchema = v.looseObject({
  id: v.nullish(v.string()),
  function: v.nullish(
    v.looseObject({ name: v.nullish(v.string()), arguments: v.nullish(v.string()) }),
  ),
});

const contentPartSchema = v.looseObject({
  type: v.nullish(v.string()),
  text: v.nullish(v.string()),
  thinking: v.nullish(v.string()),
});

export const chatResponseSchema = v.looseObject({
  id: v.nullish(v.string()),
  finish_reason: v.nullish(v.string()),
  message: v.nullish(
    v.looseObject({
      content: v.nullish(v.union([v.string(), v.array(contentPartSchema)])),
      tool_calls: v.nullish(v.array(toolCallSchema)),
      citations: v.nullish(v.array(v.unknown())),
    }),
  ),
  usage: v.nullish(v.unknown()),
});

export type CohereChatResponse = v.InferOutput<typeof chatResponseSchema>;
