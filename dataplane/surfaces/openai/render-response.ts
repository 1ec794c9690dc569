// Canonical response → a `chat.completion` object. Thinking blocks have no place in it and are
// left out; a refusal is sent in `message.refusal` as OpenAI does.
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { toOpenAiFinishReason } from "../../wire/openai/finish-reason.ts";
import { toOpenAiUsage } from "../../wire/openai/usage.ts";
import type { SurfaceRenderOptions } from "../surface.ts";
import { completionId, nowSeconds, toolArguments } from "./render-shared.ts";

export function renderOpenAiResponse(response: CanonicalResponse, options: SurfaceRenderOptions) {
  let text = "";
  let hasText = false;
  const toolCalls: Array<{
    id: string;
    type: "function";
    function: { name: string; arguments: string };
  }> = [];
  for (const block of response.content) {
    if (block.type === "text") {
      text += block.text;
      hasText = true;
    } else if (block.type === "tool-use") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: toolArguments(block.input) },
      });
    }
  }
  const refused = response.stopReason === "refusal";
  const message: Record<string, unknown> = {
    role: "assistant",
    content: refused || (!hasText && toolCalls.length > 0) ? null : text,
    refusal: refused ? text : null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  message.annotations = [];
  return {
    id: completionId(response.id),
    object: "chat.completion" as const,
    created: nowSeconds(),
    model: options.servedModel,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: toOpenAiFinishReason(response.stopReason),
      },
    ],
    usage: toOpenAiUsage(response.usage),
  };
}
