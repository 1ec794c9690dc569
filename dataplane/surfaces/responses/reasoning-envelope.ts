// A reasoning item's `encrypted_content` on the Responses surface. OpenAI-family upstreams write
// their own (passed through as they are); everything the gateway renders from another vendor's
// thinking is sealed, `mlx:v1:<origin>:<value>` (Claude's too: unsealed values here are
// OpenAI's), with `redacted:` before the value of redacted thinking. Read back, a sealed value
// gives the canonical block with its origin, so the adapters send it only to its maker.
import type {
  RedactedThinkingContent,
  SignatureOrigin,
  ThinkingContent,
} from "#shared/canonical/content.ts";
import { isSealed, openSignature, sealSignature } from "../../wire/signature-envelope.ts";

const REDACTED = "redacted:";
// sealSignature leaves Claude's values bare (the Anthropic surface's contract); here every
// value from the gateway is sealed, so this is the same envelope with Claude's name in it.
const CLAUDE_ENVELOPE = "mlx:v1:claude:";

export function sealReasoning(
  block: ThinkingContent | RedactedThinkingContent,
): string | undefined {
  const value = block.type === "thinking" ? block.signature : `${REDACTED}${block.data}`;
  if (value === undefined || value === "") return undefined;
  if (block.origin === "claude") return `${CLAUDE_ENVELOPE}${value}`;
  return sealSignature(value, block.origin);
}

export interface OpenedReasoning {
  /** The signature, or redacted thinking's data. */
  value: string;
  redacted: boolean;
  origin: SignatureOrigin | undefined;
}

/** A client's `encrypted_content`: the gateway's envelope, or else OpenAI's own. */
export function openReasoning(encrypted: string): OpenedReasoning {
  if (!isSealed(encrypted)) return { value: encrypted, redacted: false, origin: "openai" };
  const opened = openSignature(encrypted);
  const redacted = opened.value.startsWith(REDACTED);
  return {
    value: redacted ? opened.value.slice(REDACTED.length) : opened.value,
    redacted,
    origin: opened.origin,
  };
}

/** Whether a value is one the gateway sealed (an upstream of the OpenAI family cannot read it). */
export const isGatewayReasoning = isSealed;
