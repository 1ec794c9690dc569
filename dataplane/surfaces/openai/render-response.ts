// Canonical response → a `chat.completion` object. Thinking and signatures have no place in it:
// they ride in the gateway's own fields (reasoning-fields.ts); a refusal is sent in
// `message.refusal` as OpenAI does.
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { toOpenAiFinishReason } from "../../wire/openai/finish-reason.ts";
import { toOpenAiUsage } from "../../wire/openai/usage.ts";
import { sealSignature } from "../../wire/signature-envelope.ts";
import type { SurfaceRenderOptions } from "../surface.ts";
import {
  SIGNATURE_FIELD,
  THINKING_FIELD,
  type ThinkingItem,
  thinkingItem,
} from "./reasoning-fields.ts";
import { completionId, nowSeconds, toolArguments } from "./render-shared.ts";

export function renderOpenAiResponse(response: CanonicalResponse, options: SurfaceRenderOptions) {
  let text = "";
  let hasText = false;
  let textSignature: string | undefined;
  const thinking: ThinkingItem[] = [];
  const toolCalls: Array<Record<string, unknown>> = [];
  for (const block of response.content) {
    if (block.type === "text") {
      text += block.text;
      hasText = true;
      // One text, one signature: Gemini's last text part carries it.
      if (block.signature) textSignature = sealSignature(block.signature, block.origin);
    } else if (block.type === "tool-use") {
      const call: Record<string, unknown> = {
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: toolArguments(block.input) },
      };
      if (block.signature) call[SIGNATURE_FIELD] = sealSignature(block.signature, block.origin);
      toolCalls.push(call);
    } else {
      const item = thinkingItem(block);
      if (item) thinking.push(item);
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
  if (thinking.length > 0) message[THINKING_FIELD] = thinking;
  if (textSignature !== undefined) message[SIGNATURE_FIELD] = textSignature;
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
