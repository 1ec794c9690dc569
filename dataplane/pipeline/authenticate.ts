// Step 2 of the pipeline: the key's SHA-256 looked up in the RuntimeConfig (DESIGN §4).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { hashKey } from "#shared/ids/ids.ts";
import type { RuntimeApiKey, RuntimeConfig } from "../snapshot/runtime-config.ts";

/** Made once: a literal in the function is a new RegExp object on every request. */
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** `Authorization: Bearer <key>`, or the bare key some clients put in `x-api-key`. */
export function extractKey(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = BEARER.exec(authorization);
    return match?.[1] ?? null;
  }
  return headers.get("x-api-key");
}

export function authenticate(
  config: RuntimeConfig,
  headers: Headers,
  revokedKeyHashes: ReadonlySet<string>,
  now = Date.now(),
): RuntimeApiKey {
  const key = extractKey(headers);
  if (!key) {
    throw new GatewayError(
      "authentication",
      "missing API key: send Authorization: Bearer mlx_sk_…",
    );
  }
  const hash = hashKey(key);
  const record = revokedKeyHashes.has(hash) ? undefined : config.keysByHash.get(hash);
  if (!record) throw new GatewayError("authentication", "invalid API key");
  if (record.expiresAt !== null && record.expiresAt <= now) {
    throw new GatewayError("authentication", "API key expired");
  }
  return record;
}
