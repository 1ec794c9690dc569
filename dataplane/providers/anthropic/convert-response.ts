// A non-streamed Messages answer → canonical. Blocks the canonical model has no form for are
// skipped with a warning; a call of the forced JSON tool (capabilities.ts) becomes the JSON text
// the caller asked for.
import * as v from "valibot";
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { mapAnthropicStopReason } from "../../wire/anthropic/stop-reason.ts";
import { convertAnthropicUsage } from "../../wire/anthropic/usage.ts";
import { JSON_TOOL_NAME } from "./capabilities.ts";
import { blockType, citationsDropped, readContentBlock, skippedBlock } from "./content-blocks.ts";

const responseSchema = v.looseObject({
  id: v.nullish(v.string()),
  model: v.nullish(v.string()),
  content: v.nullish(v.array(v.unknown())),
  stop_reason: v.nullish(v.string()),
  stop_sequence: v.nullish(v.string()),
  usage: v.optional(v.unknown()),
});

export function convertAnthropicResponse(body: unknown): Converted<CanonicalResponse> {
  const parsed = v.safeParse(responseSchema, body);
  if (!parsed.success) {
    throw new GatewayError("upstream_error", "anthropic: answer is not a Messages object");
  }
  const message = parsed.output;
  const warnings: ConversionWarning[] = [];
  const skipped = new Set<string>();
  const content: AssistantContent[] = [];
  let citations = false;
  let jsonAnswer = false;
  let toolCalls = false;
  for (const raw of message.content ?? []) {
    const block = readContentBlock(raw);
    if (!block) {
      const type = blockType(raw);
      if (!skipped.has(type)) warnings.push(skippedBlock(type));
      skipped.add(type);
      continue;
    }
    switch (block.type) {
      case "text":
        if (block.citations?.length && !citations) warnings.push(citationsDropped);
        citations ||= Boolean(block.citations?.length);
        content.push({ type: "text", text: block.text });
        break;
      case "thinking":
        content.push(
          block.signature != null
            ? {
                type: "thinking",
                text: block.thinking,
                signature: block.signature,
                origin: "claude",
              }
            : { type: "thinking", text: block.thinking },
        );
        break;
      case "redacted_thinking":
        content.push({ type: "redacted-thinking", data: block.data, origin: "claude" });
        break;
      case "tool_use":
        if (block.name === JSON_TOOL_NAME) {
          jsonAnswer = true;
          content.push({ type: "text", text: JSON.stringify(block.input ?? {}) });
        } else {
          toolCalls = true;
          content.push({
            type: "tool-use",
            id: block.id,
            name: block.name,
            input: block.input ?? {},
          });
        }
        break;
    }
  }
  let stopReason = mapAnthropicStopReason(message.stop_reason);
  if (stopReason === "tool_use" && jsonAnswer && !toolCalls) stopReason = "end_turn";
  const response: CanonicalResponse = {
    id: message.id ?? "",
    model: message.model ?? "",
    content,
    stopReason,
    usage: convertAnthropicUsage(
      message.usage,
      content.flatMap((block) => (block.type === "thinking" ? [block.text] : [])),
    ),
  };
  if (message.stop_sequence != null) response.stopSequence = message.stop_sequence;
  return { value: response, warnings };
}
