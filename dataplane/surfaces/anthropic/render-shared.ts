// What the Anthropic response and stream renderers share: ids and blocks (stop reasons and
// usage are the wire format's: wire/anthropic/). A signature not Claude's goes out sealed with
// its origin (wire/signature-envelope.ts), so it is never sent back to Claude as Claude's.
import type { AssistantContent } from "#shared/canonical/content.ts";
import { sealSignature } from "../../wire/signature-envelope.ts";

/** Anthropic ids start with `msg_`; other vendors' ids keep their text after the prefix. */
export function messageId(id: string): string {
  if (id.startsWith("msg_")) return id;
  if (id !== "") return `msg_${id}`;
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

export function toAnthropicBlock(block: AssistantContent): Record<string, unknown> {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "thinking": {
      const signature = block.signature ? sealSignature(block.signature, block.origin) : "";
      return { type: "thinking", thinking: block.text, signature };
    }
    case "redacted-thinking":
      return { type: "redacted_thinking", data: sealSignature(block.data, block.origin) };
    case "tool-use":
      return { type: "tool_use", id: block.id, name: block.name, input: toolInput(block.input) };
  }
}

/** Anthropic clients expect an object; arguments that never parsed as one cannot be shown as one. */
function toolInput(input: unknown): unknown {
  return input !== null && typeof input === "object" && !Array.isArray(input) ? input : {};
}
