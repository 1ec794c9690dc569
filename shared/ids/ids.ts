// Resource ids: a readable prefix and a time-sortable body (48-bit milliseconds, 80 random
// bits, Crockford base32), so ids sort by creation and cursors can page on them.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export const ID_PREFIXES = {
  org: "org",
  member: "mem",
  project: "prj",
  apiKey: "key",
  managementKey: "mkey",
  provider: "prv",
  routingConfig: "rc",
  routingConfigVersion: "rcv",
  budget: "bud",
  budgetEvent: "bev",
  webhook: "whk",
  webhookDelivery: "whd",
  webhookEvent: "evt",
  experiment: "exp",
  experimentValidation: "exv",
  scheduledExperiment: "sxp",
  scheduledExperimentRun: "sxr",
  auditEntry: "aud",
  priceOverride: "pov",
  dashboardSession: "dss",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

function encodeTime(milliseconds: number): string {
  let remaining = milliseconds;
  let out = "";
  for (let index = 0; index < 10; index++) {
    out = ALPHABET[remaining % 32] + out;
    remaining = Math.floor(remaining / 32);
  }
  return out;
}

function encodeRandom(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % 32];
  return out;
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(now)}${encodeRandom(16)}`;
}

/** Random secret with a kind prefix: `mlx_sk_…` proxy keys, `mlx_mk_…` management keys. */
export function newSecretKey(kind: "proxy" | "management"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const body = Buffer.from(bytes).toString("base64url");
  return `${kind === "proxy" ? "mlx_sk_" : "mlx_mk_"}${body}`;
}

/** Keys are stored and looked up by this hash only (DESIGN §13). */
export function hashKey(key: string): string {
  // One-shot: no hasher object per call (0.15 against 0.33 µs; every request hashes its key).
  return Bun.SHA256.hash(key, "hex");
}

/** What a listing may show of a key: its kind prefix and first characters. */
export function keyDisplayPrefix(key: string): string {
  return key.slice(0, 11);
}
