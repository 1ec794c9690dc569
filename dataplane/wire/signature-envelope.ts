// How a signature (or redacted thinking's data) travels to a client and back, so the gateway can
// tell who made it when the client returns it. Claude's go out as they came: Anthropic's own
// format, byte-identical for clients that talk to Claude through us. Every other family's go out
// in an envelope, `mlx:v1:<origin>:<value>`, the value verbatim after the third colon (it is
// already an opaque ASCII token; Claude's are base64, which has no colon, so the two never mix).
// Reading back: an envelope gives its origin (an unknown origin or version gives none, so the
// value is sent nowhere); anything else is Claude's.
import { SIGNATURE_ORIGINS, type SignatureOrigin } from "#shared/canonical/content.ts";

const PREFIX = "mlx:v1:";
const ANY_ENVELOPE = "mlx:";

export interface OpenedSignature {
  value: string;
  /** Undefined when the envelope names an origin (or version) this gateway does not know. */
  origin: SignatureOrigin | undefined;
}

/** The value as the client sees it. */
export function sealSignature(value: string, origin: SignatureOrigin | undefined): string {
  if (origin === "claude") return value;
  return `${PREFIX}${origin ?? "unknown"}:${value}`;
}

/** A value the client sent back, with who made it. */
export function openSignature(sealed: string): OpenedSignature {
  if (!sealed.startsWith(ANY_ENVELOPE)) return { value: sealed, origin: "claude" };
  if (!sealed.startsWith(PREFIX)) return { value: sealed, origin: undefined };
  const colon = sealed.indexOf(":", PREFIX.length);
  if (colon === -1) return { value: sealed, origin: undefined };
  const name = sealed.slice(PREFIX.length, colon);
  const origin = SIGNATURE_ORIGINS.find((known) => known === name);
  return { value: sealed.slice(colon + 1), origin };
}

/** Whether a value the client sent is in an envelope (so not Claude's as it came). */
export function isSealed(value: string): boolean {
  return value.startsWith(ANY_ENVELOPE);
}
