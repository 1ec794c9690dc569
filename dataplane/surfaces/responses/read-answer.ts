// A Responses answer an upstream wrote (the passthrough's) read as canonical: usage for spend and
// the trace, the output's text for content capture. Lenient: only what is read, all optional.
import type { AssistantContent } from "#shared/canonical/content.ts";
import { type CanonicalResponse, emptyUsage, type StopReason } from "#shared/canonical/response.ts";
import { locatedItems } from "./conversation.ts";
import { itemsToCanonical } from "./input-items.ts";
import { isRecord, readResponsesUsage } from "./usage.ts";

export function readResponseAnswer(json: unknown): CanonicalResponse {
  const response = isRecord(json) ? json : {};
  const output = Array.isArray(response.output) ? response.output.filter(isRecord) : [];
  const items = locatedItems(output.map((item) => ({ item, path: "output", maker: null })));
  const content: AssistantContent[] = itemsToCanonical(items).messages.flatMap((message) =>
    message.role === "assistant" ? message.content : [],
  );
  return {
    id: typeof response.id === "string" ? response.id : "",
    model: typeof response.model === "string" ? response.model : "",
    content,
    stopReason: stopReasonOf(response, content),
    usage: readResponsesUsage(response.usage) ?? emptyUsage(),
  };
}

function stopReasonOf(
  response: Record<string, unknown>,
  content: readonly AssistantContent[],
): StopReason {
  if (response.status === "incomplete") {
    const reason = isRecord(response.incomplete_details)
      ? response.incomplete_details.reason
      : null;
    return reason === "content_filter" ? "content_filter" : "max_tokens";
  }
  return content.some((block) => block.type === "tool-use") ? "tool_use" : "end_turn";
}
