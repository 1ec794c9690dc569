// What upstream error text is scrubbed of before it reaches a caller: every credential of the
// caller's org (decrypted, as the snapshot holds them), then anything shaped like a key.
// Built on the first error of an org in a snapshot, not per request.
import { createRedactor, type Redact, secretsOfCredential } from "#shared/errors/redact.ts";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";

const redactors = new WeakMap<RuntimeConfig, Map<string, Redact>>();

/** A redactor for the org's credentials; cheap to ask for on every request (built lazily). */
export function redactorFor(config: RuntimeConfig, orgId: string): Redact {
  return (text) => orgRedactor(config, orgId)(text);
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
