// What upstream error text is scrubbed of before it reaches a caller: the request's own provider
// keys, every credential of the caller's org (decrypted, as the snapshot holds them), then
// anything shaped like a key.
// Built on the first error of an org in a snapshot, not per request.
import { createRedactor, type Redact, secretsOfCredential } from "#shared/errors/redact.ts";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";
import { type ProviderKeys, providerKeySecrets } from "./provider-keys.ts";

const redactors = new WeakMap<RuntimeConfig, Map<string, Redact>>();
/** Per snapshot and org, the function requests get: it builds the org's redactor on first use. */
const lazyRedactors = new WeakMap<RuntimeConfig, Map<string, Redact>>();

/**
 * A redactor for the org's credentials and the request's own provider keys (scrubbed first, so
 * no pattern cuts one into pieces it would no longer match); cheap to ask for on every request
 * (the org's is built lazily, and a request without own keys adds nothing).
 */
export function redactorFor(
  config: RuntimeConfig,
  orgId: string,
  providerKeys: ProviderKeys | null,
): Redact {
  if (providerKeys === null) return lazyOrgRedactor(config, orgId);
  const own = createRedactor(providerKeySecrets(providerKeys).flatMap(secretsOfCredential));
  return (text) => orgRedactor(config, orgId)(own(text));
}

function lazyOrgRedactor(config: RuntimeConfig, orgId: string): Redact {
  let byOrg = lazyRedactors.get(config);
  if (!byOrg) {
    byOrg = new Map();
    lazyRedactors.set(config, byOrg);
  }
  let redact = byOrg.get(orgId);
  if (!redact) {
    redact = (text) => orgRedactor(config, orgId)(text);
    byOrg.set(orgId, redact);
  }
  return redact;
}

function orgRedactor(config: RuntimeConfig, orgId: string): Redact {
  let byOrg = redactors.get(config);
  if (!byOrg) {
    byOrg = new Map();
    redactors.set(config, byOrg);
  }
  let redact = byOrg.get(orgId);
  if (!redact) {
    const secrets: string[] = [];
    for (const provider of config.providersById.values()) {
      if (provider.orgId === orgId) secrets.push(...secretsOfCredential(provider.credential));
    }
    redact = createRedactor(secrets);
    byOrg.set(orgId, redact);
  }
  return redact;
}
