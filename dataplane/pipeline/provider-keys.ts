// `X-Modelux-Provider-Key` (docs/provider-keys.md): the caller's own provider key for this one
// request. Either a bare key, for the one vendor the requested route reaches, or `vendor=key`
// pairs separated by commas, one per vendor. The key is never stored, logged or traced: what the
// request log and the trace keep is its masked fingerprint and a keyed hash of it.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { adapterFor, supportedVendors } from "../providers/registry.ts";

export const PROVIDER_KEY_HEADER = "X-Modelux-Provider-Key";
/** The SecretBox.keyedHash purpose of the hash the request log keeps. */
export const PROVIDER_KEY_HASH_PURPOSE = "provider-key";

export interface ProviderKeys {
  /** A key for the one vendor the route reaches; null when the keys name their vendors. */
  bare: string | null;
  /** vendor → key, from `vendor=key` pairs (empty with a bare key). */
  named: ReadonlyMap<string, string>;
}

/** Who a key is, as the trace and the request log show it: never the key itself. */
export interface ProviderKeyIdentity {
  vendor: string;
  /** `sk-proj-…TA0A`: the first 8 and the last 4 characters when the key is long enough. */
  fingerprint: string;
  /** HMAC-SHA256 (hex) of the whole key under the deployment's secret. */
  hash: string;
}

/** What the project allows (`settings.provider_keys`; anything else reads as the default). */
export type ProviderKeyPolicy = "allow" | "require" | "forbid";

/** One key: printable ASCII without spaces, at most a long session token's length. */
const KEY = /^[\x21-\x7e]{1,8192}$/;
const NAMED = /^([a-z][a-z0-9-]*)\s*=\s*(.*)$/;

export function headerError(problem: string): GatewayError {
  return new GatewayError("invalid_request", `${PROVIDER_KEY_HEADER}: ${problem}`, {
    param: PROVIDER_KEY_HEADER,
  });
}

/**
 * The header as sent, or null when absent. Messages never quote a key or any part of one: a
 * pair is named by its position, a vendor only once it is known to be one.
 */
export function parseProviderKeys(value: string | null): ProviderKeys | null {
  if (value === null) return null;
  const text = value.trim();
  if (text === "") throw headerError("is empty: send a key, or vendor=key pairs");
  const parts = text.split(",");
  const named = new Map<string, string>();
  for (const [index, part] of parts.entries()) {
    const match = NAMED.exec(part.trim());
    const vendor = match?.[1];
    if (vendor === undefined || adapterFor(vendor) === undefined) {
      if (parts.length === 1) {
        if (!KEY.test(text)) throw headerError("the key must be printable characters, no spaces");
        return { bare: text, named };
      }
      throw headerError(
        `pair ${index + 1} is not vendor=key with a vendor this gateway serves (${supportedVendors().join(", ")})`,
      );
    }
    const key = (match?.[2] ?? "").trim();
    if (!KEY.test(key))
      throw headerError(`the ${vendor} key must be printable characters, no spaces`);
    if (named.has(vendor)) throw headerError(`${vendor} is named twice`);
    named.set(vendor, key);
  }
  return { bare: null, named };
}

/** Every key of the header, for the request's redactor. */
export function providerKeySecrets(keys: ProviderKeys): string[] {
  return keys.bare === null ? [...keys.named.values()] : [keys.bare];
}

/**
 * The provider a call on something it keeps for the caller (a stored response, a file, a batch)
 * must be asked with: with the caller's own key for its vendor when the request brought one (a
 * bare key is for this one provider's vendor), else as stored. What was made on a caller's key
 * lives in the caller's account, where the org's credential cannot see it.
 */
export function withOwnKey<P extends { vendor: string; credential: string }>(
  provider: P,
  keys: ProviderKeys | null,
): P {
  const key = keys === null ? undefined : (keys.bare ?? keys.named.get(provider.vendor));
  return key === undefined ? provider : { ...provider, credential: key };
}

/** `settings.provider_keys` of a project, read leniently (snapshots are). */
export function providerKeyPolicy(settings: Record<string, unknown> | undefined) {
  const policy = settings?.provider_keys;
  return policy === "require" || policy === "forbid" ? policy : "allow";
}

/** "forbid" refuses a request that sends keys (400); "require" one that sends none (401). */
export function enforceProviderKeyPolicy(
  policy: ProviderKeyPolicy,
  keys: ProviderKeys | null,
): void {
  if (policy === "forbid" && keys !== null)
    throw headerError("this project does not accept provider keys per request");
  if (policy === "require" && keys === null)
    throw new GatewayError(
      "authentication",
      `this project requires the caller's own provider key: send ${PROVIDER_KEY_HEADER}`,
      { param: PROVIDER_KEY_HEADER },
    );
}

/**
 * The masked form people recognise a key by. A composite credential
 * (`ACCESS_KEY_ID::SECRET::REGION`) shows its first part only, an identifier (AWS shows access
 * key ids openly); a key too short to keep 12 of its characters hidden shows its last 4, or
 * nothing.
 */
export function keyFingerprint(key: string): string {
  const separator = key.indexOf("::");
  const shown = separator > 0 ? key.slice(0, separator) : key;
  if (shown.length >= (separator > 0 ? 16 : 24)) return `${shown.slice(0, 8)}…${shown.slice(-4)}`;
  if (shown.length >= 12) return `…${shown.slice(-4)}`;
  return "…";
}
