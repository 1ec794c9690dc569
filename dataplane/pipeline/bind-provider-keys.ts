// The route plan of a request that carries `X-Modelux-Provider-Key` (docs/provider-keys.md):
// each attempt of a vendor the header has a key for runs on a copy of its provider holding that
// key as the credential (the base URL and options stay); attempts of other vendors are dropped,
// their candidates marked skipped. A request that brings keys is never served on the org's
// stored credentials, so every executor (fallback, cascade, ensemble, passthrough) runs the
// caller's keys without knowing about them.
import { quoteClientValue } from "#shared/validation/client-text.ts";
import { adapterFor } from "../providers/registry.ts";
import { type Attempt, leafAttempts, type PlanStep, type RoutePlan } from "../routing/plan.ts";
import type { RuntimeProvider } from "../snapshot/runtime-config.ts";
import {
  headerError,
  keyFingerprint,
  PROVIDER_KEY_HEADER,
  type ProviderKeyIdentity,
  type ProviderKeys,
} from "./provider-keys.ts";

export interface ProviderKeyBinding {
  plan: RoutePlan;
  /** The key of the plan's first attempt (what the trace shows until one answers). */
  first: ProviderKeyIdentity | null;
}

export function bindProviderKeys(input: {
  plan: RoutePlan;
  keys: ProviderKeys;
  /** The model field as the client wrote it, for messages. */
  requested: string;
  /** Every vendor the requested route can reach (for a bare key). */
  routeVendors: () => ReadonlySet<string>;
  /** The keyed hash of a key (SecretBox.keyedHash). */
  hash: (key: string) => string;
}): ProviderKeyBinding {
  const { plan, requested } = input;
  const keys = keysByVendor(input.keys, requested, input.routeVendors);
  const identities = new Map<string, ProviderKeyIdentity>();
  for (const [vendor, key] of keys) {
    const problem = adapterFor(vendor)?.checkCredential?.(key);
    if (problem) throw headerError(`the ${vendor} key is malformed: ${problem}`);
    identities.set(vendor, { vendor, fingerprint: keyFingerprint(key), hash: input.hash(key) });
  }
  const copies = new Map<RuntimeProvider, RuntimeProvider>();
  const bind = (attempt: Attempt): Attempt | null => {
    const vendor = attempt.provider.vendor;
    const key = keys.get(vendor);
    const identity = identities.get(vendor);
    if (key === undefined || identity === undefined) {
      const candidate = plan.candidates[attempt.candidate];
      if (candidate && candidate.status === "planned") {
        candidate.status = "skipped";
        candidate.reason = `${candidate.reason}; skipped: ${PROVIDER_KEY_HEADER} has no ${vendor} key`;
      }
      return null;
    }
    let provider = copies.get(attempt.provider);
    if (provider === undefined) {
      provider = { ...attempt.provider, credential: key };
      copies.set(attempt.provider, provider);
    }
    return { ...attempt, provider, providerKey: identity };
  };
  const bindAll = (attempts: Attempt[]) =>
    attempts.map(bind).filter((attempt): attempt is Attempt => attempt !== null);
  const steps = plan.steps.flatMap((step): PlanStep[] => {
    if (step.kind === "attempt") {
      const bound = bind(step);
      return bound === null ? [] : [bound];
    }
    if (step.kind === "cascade")
      return [
        {
          ...step,
          steps: step.steps.map((item) => ({
            ...item,
            attempts: bindAll(item.attempts),
            judge: item.judge === null ? null : bindAll(item.judge),
          })),
        },
      ];
    return [
      {
        ...step,
        members: step.members.map((member) => ({ ...member, attempts: bindAll(member.attempts) })),
        judge: step.judge === null ? null : bindAll(step.judge),
      },
    ];
  });
  const bound: RoutePlan = { ...plan, steps };
  const before = leafAttempts(plan);
  const after = leafAttempts(bound);
  if (before.length > 0 && after.length === 0) {
    const served = [...new Set(before.map((attempt) => attempt.provider.vendor))].join(", ");
    throw headerError(
      `it has keys for ${[...keys.keys()].join(", ")}, and ${quoteClientValue(requested)} is served by ${served} here`,
    );
  }
  return { plan: bound, first: after[0]?.providerKey ?? null };
}

/** The header's keys by vendor; a bare key goes to the route's one vendor. */
function keysByVendor(
  keys: ProviderKeys,
  requested: string,
  routeVendors: () => ReadonlySet<string>,
): Map<string, string> {
  if (keys.bare === null) return new Map(keys.named);
  const vendors = [...routeVendors()].sort();
  if (vendors.length > 1)
    throw headerError(
      `${quoteClientValue(requested)} can reach several vendors (${vendors.join(", ")}): name the key's vendor, as ${vendors[0]}=<key>`,
    );
  const vendor = vendors[0];
  return vendor === undefined ? new Map() : new Map([[vendor, keys.bare]]);
}
