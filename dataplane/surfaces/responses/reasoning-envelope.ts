// A reasoning item's `encrypted_content` on the Responses surface. OpenAI-family upstreams write
// their own (passed through as they are); everything the gateway renders from another vendor's
// thinking is sealed, `mlx:v1:<origin>:<value>` (Claude's too: unsealed values here are
// OpenAI's), with `redacted:` before the value of redacted thinking. Read back, a sealed value
// gives the canonical block with its origin, so the adapters send it only to its maker.
// A reasoning item shown without summaries (the request's `reasoning.summary` unset, as OpenAI
// shows none then) carries the thinking text itself in the envelope, `text:` and the base64url
// of `{"text","signature"}`, so it can still go back to its vendor whole.
import type {
  RedactedThinkingContent,
  SignatureOrigin,
  ThinkingContent,
} from "#shared/canonical/content.ts";
import { isSealed, openSignature, sealSignature } from "../../wire/signature-envelope.ts";

const REDACTED = "redacted:";
const WITH_TEXT = "text:";
// sealSignature leaves Claude's values bare (the Anthropic surface's contract); here every
// value from the gateway is sealed, so this is the same envelope with Claude's name in it.
const CLAUDE_ENVELOPE = "mlx:v1:claude:";

/**
 * The item's `encrypted_content`; `withText`: the thinking's text sealed in too (an item shown
 * without summaries), so there is one even for thinking without a signature.
 */
export function sealReasoning(
  block: ThinkingContent | RedactedThinkingContent,
  withText = false,
): string | undefined {
  const value =
    block.type === "redacted-thinking"
      ? `${REDACTED}${block.data}`
      : withText
        ? `${WITH_TEXT}${Buffer.from(JSON.stringify({ text: block.text, signature: block.signature })).toString("base64url")}`
        : block.signature;
  if (value === undefined || value === "") return undefined;
  if (block.origin === "claude") return `${CLAUDE_ENVELOPE}${value}`;
  return sealSignature(value, block.origin);
}

export interface OpenedReasoning {
  /** The signature, or redacted thinking's data. */
  value: string;
  redacted: boolean;
  origin: SignatureOrigin | undefined;
  /** The thinking's text, when the item was shown without summaries (sealed with its text). */
  text?: string;
}

/** A client's `encrypted_content`: the gateway's envelope, or else OpenAI's own. */
export function openReasoning(encrypted: string): OpenedReasoning {
  if (!isSealed(encrypted)) return { value: encrypted, redacted: false, origin: "openai" };
  const opened = openSignature(encrypted);
  if (opened.value.startsWith(WITH_TEXT)) {
    const sealed = readSealedText(opened.value.slice(WITH_TEXT.length));
    if (sealed)
      return { value: sealed.signature, redacted: false, origin: opened.origin, text: sealed.text };
  }
  const redacted = opened.value.startsWith(REDACTED);
  return {
    value: redacted ? opened.value.slice(REDACTED.length) : opened.value,
    redacted,
    origin: opened.origin,
  };
}

/** Whether a value is one the gateway sealed (an upstream of the OpenAI family cannot read it). */
export const isGatewayReasoning = isSealed;

/** `{"text","signature"}` from its base64url; null when it is not that (then: a plain value). */
function readSealedText(encoded: string): { text: string; signature: string } | null {
  try {
    const parsed = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null) return null;
    const { text, signature } = parsed as { text?: unknown; signature?: unknown };
    if (typeof text !== "string") return null;
    return { text, signature: typeof signature === "string" ? signature : "" };
  } catch {
    return null;
  }
}
