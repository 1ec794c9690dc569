// The gateway's own fields that carry thinking and signatures on the Chat Completions shape,
// which has no place for them, so a client that sends the assistant message back as it came
// (the everyday `messages.push(choice.message)`) gives every vendor back what it needs:
//   message["mlx:thinking"]   [{type: "thinking", thinking, signature?} | {type: "redacted_thinking", data}]
//   message["mlx:signature"]  the signature of the message's text (Gemini's last text part)
//   tool_call["mlx:signature"] the signature of that call (Gemini's functionCall parts)
// Signatures travel sealed with their origin (wire/signature-envelope.ts): Claude's bare, others
// as `mlx:v1:<origin>:<value>`. Streams send `mlx:thinking` as a delta field holding the whole
// list so far each time a run of thinking ends (the SDKs keep the last value of an unknown
// delta field), `mlx:signature` as the signature arrives.
import type { AssistantContent, SignatureOrigin } from "#shared/canonical/content.ts";
import { openSignature, sealSignature } from "../../wire/signature-envelope.ts";

export const THINKING_FIELD = "mlx:thinking";
export const SIGNATURE_FIELD = "mlx:signature";

export type ThinkingItem =
  | { type: "thinking"; thinking: string; signature?: string }
  | { type: "redacted_thinking"; data: string };

/** A canonical thinking block as the client sees it. */
export function thinkingItem(block: AssistantContent): ThinkingItem | undefined {
  if (block.type === "thinking") {
    return block.signature
      ? {
          type: "thinking",
          thinking: block.text,
          signature: sealSignature(block.signature, block.origin),
        }
      : { type: "thinking", thinking: block.text };
  }
  if (block.type === "redacted-thinking") {
    return { type: "redacted_thinking", data: sealSignature(block.data, block.origin) };
  }
  return undefined;
}

/** A thinking item the client sent back → canonical (the signature opened to its origin). */
export function thinkingContent(
  item:
    | { type: "thinking"; thinking: string; signature?: string | null | undefined }
    | { type: "redacted_thinking"; data: string },
): AssistantContent {
  if (item.type === "redacted_thinking") {
    const { value, origin } = openSignature(item.data);
    return origin
      ? { type: "redacted-thinking", data: value, origin }
      : { type: "redacted-thinking", data: value };
  }
  return { type: "thinking", text: item.thinking, ...signed(item.signature) };
}

/** `signature` and `origin` for a canonical block, from a sealed value (none when empty). */
export function signed(sealed: string | null | undefined): {
  signature?: string;
  origin?: SignatureOrigin;
} {
  if (!sealed) return {};
  const { value, origin } = openSignature(sealed);
  return origin ? { signature: value, origin } : { signature: value };
}

/** A stream's thinking blocks, gathered from their events, for the `mlx:thinking` field. */
export class StreamedThinking {
  private readonly blocks = new Map<
    number,
    { text: string; signature: string; origin?: SignatureOrigin; redacted?: string }
  >();
  private dirty = false;

  text(index: number, text: string): void {
    this.block(index).text += text;
  }

  signature(index: number, signature: string, origin: SignatureOrigin | undefined): void {
    const block = this.block(index);
    block.signature += signature;
    block.origin ??= origin;
  }

  redacted(index: number, data: string, origin: SignatureOrigin | undefined): void {
    const block = this.block(index);
    block.redacted = data;
    block.origin ??= origin;
  }

  /** The whole list when it changed since the last call; undefined otherwise. */
  take(): ThinkingItem[] | undefined {
    if (!this.dirty) return undefined;
    this.dirty = false;
    return [...this.blocks.values()].map((block): ThinkingItem => {
      if (block.redacted !== undefined) {
        return { type: "redacted_thinking", data: sealSignature(block.redacted, block.origin) };
      }
      return block.signature === ""
        ? { type: "thinking", thinking: block.text }
        : {
            type: "thinking",
            thinking: block.text,
            signature: sealSignature(block.signature, block.origin),
          };
    });
  }

  private block(index: number) {
    this.dirty = true;
    let block = this.blocks.get(index);
    if (!block) {
      block = { text: "", signature: "" };
      this.blocks.set(index, block);
    }
    return block;
  }
}
