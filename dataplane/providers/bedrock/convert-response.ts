// A Converse answer → canonical response. The body carries neither an id nor the model (the
// request id is a header the adapter contract does not pass), so the id is made here.

import * as v from "valibot";
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { AnsweredBy } from "../adapter.ts";
import { converseResponseSchema } from "./converse-schemas.ts";
import { JSON_TOOL_NAME } from "./convert-tools.ts";
import { convertUsage, mapStopReason, stopSequenceOf } from "./convert-usage.ts";
import { bedrockSignatureOrigin } from "./model-family.ts";

export function bedrockMessageId(): string {
  return `msg_bdrk_${crypto.randomUUID().replaceAll("-", "")}`;
}

export function parseConverseResponse(
  body: unknown,
  answered?: AnsweredBy,
): Converted<CanonicalResponse> {
  const origin = bedrockSignatureOrigin(answered?.model);
  const parsed = v.safeParse(converseResponseSchema, body);
  if (!parsed.success) {
    throw new GatewayError("upstream_error", "Bedrock answered with an unexpected Converse body");
  }
  const response = parsed.output;
  const warnings: ConversionWarning[] = [];
  const content: AssistantContent[] = [];
  let calledTools = false;
  let answeredJson = false;
  for (const [index, block] of (response.output?.message?.content ?? []).entries()) {
    if (block.toolUse) {
      const { toolUseId, name, input } = block.toolUse;
      if (name === JSON_TOOL_NAME) {
        answeredJson = true;
        content.push({ type: "text", text: JSON.stringify(input ?? {}) });
      } else {
        calledTools = true;
        content.push({ type: "tool-use", id: toolUseId, name, input: input ?? {} });
      }
    } else if (block.reasoningContent?.reasoningText) {
      const { text, signature } = block.reasoningContent.reasoningText;
      content.push(
        signature
          ? { type: "thinking", text: text ?? "", signature, origin }
          : { type: "thinking", text: text ?? "" },
      );
    } else if (block.reasoningContent?.redactedContent) {
      const data = block.reasoningContent.redactedContent;
      content.push({ type: "redacted-thinking", data, origin });
    } else if (typeof block.text === "string") {
      content.push({ type: "text", text: block.text });
    } else {
      const kind = Object.keys(block).join(",") || "empty";
      warnings.push({
        type: "unsupported-content",
        subject: `content[${index}].${kind}`,
        message: `Bedrock content block ${kind} has no canonical form; dropped`,
      });
    }
  }
  let stopReason = mapStopReason(response.stopReason);
  // The emulated JSON answer ends on tool_use; for the client it is a finished answer.
  if (stopReason === "tool_use" && answeredJson && !calledTools) stopReason = "end_turn";
  const stopSequence = stopSequenceOf(response.additionalModelResponseFields);
  return {
    value: {
      id: bedrockMessageId(),
      model: "",
      content,
      stopReason,
      ...(stopSequence !== undefined ? { stopSequence } : {}),
      usage: convertUsage(response.usage, thinkingCharacters(content)),
    },
    warnings,
  };
}

function thinkingCharacters(content: readonly AssistantContent[]): number {
  let characters = 0;
  for (const block of content) if (block.type === "thinking") characters += block.text.length;
  return characters;
}
