// A whole GenerateContentResponse → canonical. Parts map one to one onto blocks: text (a thought
// part becomes thinking), functionCall → tool use; each part's thoughtSignature stays on its
// block, and an empty text part that only carries a signature joins the block before it (the
// same rule the stream follows, so both give the same content).

import * as v from "valibot";
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { convertUsage } from "./convert-usage.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import { PartialArguments } from "./partial-arguments.ts";
import { toolCallId } from "./tool-call-id.ts";
import {
  type GeminiPartReceived,
  type GenerateContentResponse,
  generateContentResponseSchema,
} from "./wire-response.ts";

export function convertResponse(body: unknown): Converted<CanonicalResponse> {
  const warnings: ConversionWarning[] = [];
  const parsed = v.safeParse(generateContentResponseSchema, body);
  const response: GenerateContentResponse = parsed.success ? parsed.output : {};
  if (!parsed.success) {
    warnings.push({
      type: "unexpected-response",
      subject: "body",
      message: "the Gemini response did not have the expected shape; read as empty",
    });
  }
  const candidate = response.candidates?.[0];
  const content = convertParts(candidate?.content?.parts ?? [], response.responseId, warnings);
  const hasToolCalls = content.some((block) => block.type === "tool-use");
  const blocked = !candidate && response.promptFeedback?.blockReason;
  return {
    value: {
      id: response.responseId ?? `gemini-${crypto.randomUUID()}`,
      model: response.modelVersion ?? "",
      content,
      stopReason: blocked
        ? "content_filter"
        : mapFinishReason(candidate?.finishReason, hasToolCalls),
      usage: convertUsage(response.usageMetadata),
    },
    warnings,
  };
}

export function convertParts(
  parts: readonly GeminiPartReceived[],
  responseId: string | null | undefined,
  warnings: ConversionWarning[],
): AssistantContent[] {
  const content: AssistantContent[] = [];
  let calls = 0;
  for (const part of parts) {
    const signature = part.thoughtSignature ?? undefined;
    const call = part.functionCall;
    if (call) {
      const args = new PartialArguments(call.args);
      args.apply(call.partialArgs);
      content.push({
        type: "tool-use",
        id: toolCallId(responseId, calls++, call.id),
        name: call.name ?? "",
        input: JSON.parse(args.toJson()),
        ...(signature ? { signature, origin: "gemini" as const } : {}),
      });
      continue;
    }
    if (part.text != null) {
      const type = part.thought ? "thinking" : "text";
      const last = content.at(-1);
      if (part.text === "") {
        if (!signature) continue;
        if ((last?.type === "text" || last?.type === "thinking") && !last.signature) {
          last.signature = signature;
          last.origin = "gemini";
          continue;
        }
      }
      content.push(
        signature
          ? { type, text: part.text, signature, origin: "gemini" }
          : { type, text: part.text },
      );
      continue;
    }
    const kind = Object.keys(part).find((key) => key !== "thoughtSignature") ?? "unknown";
    warnings.push({
      type: "unsupported-content",
      subject: `response.${kind}`,
      message: `a Gemini ${kind} part has no canonical equivalent; dropped`,
    });
  }
  return content;
}
