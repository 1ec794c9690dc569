// What the Anthropic response and stream renderers share: ids, stop reasons, usage, blocks.
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalUsage, StopReason } from "#shared/canonical/response.ts";

/** Anthropic ids start with `msg_`; other vendors' ids keep their text after the prefix. */
export function messageId(id: string): string {
  if (id.startsWith("msg_")) return id;
  if (id !== "") return `msg_${id}`;
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

export function toAnthropicStopReason(reason: StopReason): string {
  switch (reason) {
    case "content_filter":
      return "refusal";
    case "error":
    case "other":
      return "end_turn";
    default:
      return reason;
  }
}

/** Canonical input counts include the cache; Anthropic's `input_tokens` does not. */
export function toAnthropicUsage(usage: CanonicalUsage): Record<string, number> {
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens),
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    output_tokens: usage.outputTokens,
  };
}

export function toAnthropicBlock(block: AssistantContent): Record<string, unknown> {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "thinking":
      return { type: "thinking", thinking: block.text, signature: block.signature ?? "" };
    case "redacted-thinking":
      return { type: "redacted_thinking", data: block.data };
    case "tool-use":
      return { type: "tool_use", id: block.id, name: block.name, input: toolInput(block.input) };
  }
}

/** Anthropic clients expect an object; arguments that never parsed as one cannot be shown as one. */
function toolInput(input: unknown): unknown {
  return input !== null && typeof input === "object" && !Array.isArray(input) ? input : {};
}
