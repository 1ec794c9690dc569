// Sending a vendor's opaque values (thinking signatures, redacted thinking) back only to the
// family that made them: every other upstream rejects a signature it did not issue. Converters
// ask here, per block, and what they may not send is dropped with one warning code per kind,
// `foreign-signature:<block type>`.
import type { SignatureOrigin } from "./content.ts";
import type { ConversionWarning } from "./warnings.ts";

type Signed = { type: string; signature?: string; origin?: SignatureOrigin };

/**
 * The block's signature when `accepts` (the family the target verifies; undefined: none) made
 * it; otherwise undefined, with a warning when there was one to drop. `consequence` says what
 * happens to the rest of the block (sent unsigned, or dropped with it).
 */
export function signatureFor(
  block: Signed,
  accepts: SignatureOrigin | undefined,
  target: string,
  warnings: ConversionWarning[],
  consequence = "the signature is dropped",
): string | undefined {
  if (block.signature === undefined || block.signature === "") return undefined;
  if (accepts !== undefined && block.origin === accepts) return block.signature;
  warnings.push(foreignSignature(block.type, block.origin, target, consequence));
  return undefined;
}

/** Whether an opaque value made by `origin` may go to a target that verifies `accepts`. */
export function isOwnSignature(
  origin: SignatureOrigin | undefined,
  accepts: SignatureOrigin | undefined,
): boolean {
  return accepts !== undefined && origin === accepts;
}

export function foreignSignature(
  subject: string,
  origin: SignatureOrigin | undefined,
  target: string,
  consequence: string,
): ConversionWarning {
  const maker = origin ? `made by ${origin}` : "of unknown origin";
  return {
    type: "foreign-signature",
    subject,
    message: `${subject}: a signature ${maker} cannot be verified by ${target}; ${consequence}`,
  };
}
