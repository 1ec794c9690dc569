// A non-streamed Chat v2 answer → canonical: thinking and text parts in order, then the tool
// calls. `tool_plan` (the model's note on which tools it will call) is not part of the answer and
// is left out, as in the stream; citations have no canonical form and are dropped with a warning.
// Chat v2 does not echo the model, so `model` is empty and the caller fills it in.
import * as v from "valibot";
import type { AssistantContent } from "#shared/canonical/content.ts";
import { type CanonicalResponse, emptyUsage } from "#shared/canonical/response.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { convertCohereUsage } from "./convert-usage.ts";
import { mapCohereFinishReason } from "./map-finish-reason.ts";
import { chatResponseSchema } from "./wire-response.ts";

export function convertResponse(body: unknown): Converted<CanonicalResponse> {
  const parsed = v.safeParse(chatResponseSchema, body);
  if (!parsed.success) {
    throw new GatewayError("upstream_error", "cohere: answer is not a Chat v2 response");
  }
  const { output } = parsed;
  const warnings: ConversionWarning[] = [];
  const content: AssistantContent[] = [];
  const message = output.message;
  if (typeof message?.content === "string") {
    if (message.content !== "") content.push({ type: "text", text: message.content });
  } else {
    for (const part of message?.content ?? []) {
      if (part.type === "thinking" && part.thinking) {
        content.push({ type: "thinking", text: part.thinking });
      } else if (part.type === "text" && part.text) {
        content.push({ type: "text", text: part.text });
      }
    }
  }
  for (const call of message?.tool_calls ?? []) {
    content.push({
      type: "tool-use",
      id: call.id || generateToolCallId(call.function?.name ?? "tool"),
      name: call.function?.name ?? "",
      input: parseToolArguments(call.function?.arguments, warnings),
    });
  }
  if (message?.citations && message.citations.length > 0) {
    warnings.push({
      type: "unsupported-content",
      subject: "citations",
      message: `${message.citations.length} Cohere citations have no canonical form; dropped`,
    });
  }
  return {
    value: {
      id: output.id ?? "",
      model: "",
      content,
      stopReason: mapCohereFinishReason(output.finish_reason),
      usage: convertCohereUsage(output.usage, thinkingCharacters(content)) ?? emptyUsage(),
    },
    warnings,
  };
}

function thinkingCharacters(content: readonly AssistantContent[]): number {
  let characters = 0;
  for (const block of content) if (block.type === "thinking") characters += block.text.length;
  return characters;
}

/**
 * Arguments arrive as a JSON string. Cohere sends `""` or `"null"` for a tool without
 * parameters (cohere-empty-tool-call, cohere-null-args): both mean no arguments. A string that is
 * not JSON is kept as it is, with a warning.
 */
export function parseToolArguments(
  value: string | null | undefined,
  warnings: ConversionWarning[],
): unknown {
  if (value === null || value === undefined || value.trim() === "") return {};
  try {
    return JSON.parse(value) ?? {};
  } catch {
    warnings.push({
      type: "lossy-conversion",
      subject: "tool_calls.arguments",
      message: "tool call arguments are not valid JSON; kept as a string",
    });
    return value;
  }
}

/** Cohere names its ids `<tool>_<12 characters>`; one is made up only when the id is missing. */
export function generateToolCallId(name: string): string {
  return `${name}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}
