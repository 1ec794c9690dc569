// Scrubs credentials out of text that may reach a client: the exact credentials the caller's org
// holds (the data plane knows them decrypted), then anything shaped like a key.

const REDACTED = "[redacted]";

/** Vendors' key prefixes, AWS key ids, Google keys, bearer tokens and `key=value` pairs. */
const KEY_SHAPED: ReadonlyArray<[RegExp, string]> = [
  [/\b(?:mlx_sk|mlx_mk|sk|gsk|xai)[-_][A-Za-z0-9_*.-]{6,}/g, REDACTED],
  [/\bA(?:KIA|SIA)[A-Z0-9*]{12,}/g, REDACTED],
  [/\bAIza[A-Za-z0-9_*-]{20,}/g, REDACTED],
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  [
    /\b(api[-_ ]?key|x-api-key|x-goog-api-key|access[-_ ]?token|secret(?:[-_ ]?access)?[-_ ]?key|password|token|key)(["']?\s*[:=]\s*["']?)[^\s"',;&]{8,}/gi,
    `$1$2${REDACTED}`,
  ],
];

/** A run long enough to be a secret: ≥ 32 hex digits, or base64 mixing cases and digits. */
const LONG_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;

function scrubLongRun(run: string): string {
  if (/^[0-9a-fA-F]+$/.test(run)) return REDACTED;
  if (/[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9]/.test(run)) return REDACTED;
  return run;
}

export type Redact = (text: string) => string;

/**
 * A redactor for the given secrets (each replaced wherever it appears, also percent-encoded),
 * then for key-shaped text. Secrets shorter than 6 characters are left to the patterns: they
 * would blank out ordinary words.
 */
export function createRedactor(secrets: Iterable<string> = []): Redact {
  const known = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 6) continue;
    known.add(secret);
    known.add(encodeURIComponent(secret));
  }
  // Longest first, so a secret containing another is replaced whole.
  const ordered = [...known].sort((a, b) => b.length - a.length);
  return (text) => {
    let scrubbed = text;
    for (const secret of ordered) {
      if (scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join(REDACTED);
    }
    for (const [pattern, replacement] of KEY_SHAPED) {
      scrubbed = scrubbed.replace(pattern, replacement);
    }
    return scrubbed.replace(LONG_RUN, scrubLongRun);
  };
}

/**
 * The parts of a stored credential worth scrubbing: the whole, and each part of a composite
 * one (`ACCESS_KEY_ID::SECRET::REGION`) long enough to be secret (a region is not).
 */
export function secretsOfCredential(credential: string): string[] {
  const secrets = [credential.trim()];
  if (credential.includes("::")) {
    for (const part of credential.split("::")) {
      if (part.trim().length >= 16) secrets.push(part.trim());
    }
  }
  return secrets;
}

/** Key-shaped text only: for messages whose org is not known. */
export const redactKeyShaped: Redact = createRedactor();
