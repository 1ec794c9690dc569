// Which of the org's provider credentials a new file or batch goes to (DESIGN §12a): the one the
// `X-Modelux-Provider` header names (name or id), else the one a model's `provider/` prefix names
// (a provider's name, or a vendor: its default provider), else the default provider of the
// surface's own vendor, else the org's only provider serving files and batches of that shape.
// Only providers whose adapter serves files and batches in the surface's shape qualify.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import { servesStoredResources } from "../../pipeline/stored-resource-call.ts";
import type { WireShape } from "../../providers/adapter.ts";
import {
  orgScopedKey,
  type RuntimeConfig,
  type RuntimeProvider,
} from "../../snapshot/runtime-config.ts";

export const PROVIDER_HEADER = "x-modelux-provider";

/** The provider the header names, checked; null without the header. */
export function providerFromHeader(
  config: RuntimeConfig,
  orgId: string,
  shape: WireShape,
  headers: Headers,
): RuntimeProvider | null {
  const named = headers.get(PROVIDER_HEADER)?.trim();
  if (!named) return null;
  const byId = config.providersById.get(named);
  const provider =
    (byId?.orgId === orgId ? byId : undefined) ??
    config.providersByName.get(orgScopedKey(orgId, named));
  if (!provider)
    throw new GatewayError(
      "invalid_request",
      `X-Modelux-Provider: unknown provider ${quoteClientValue(named)}`,
      {
        param: PROVIDER_HEADER,
      },
    );
  if (!servesStoredResources(provider, shape))
    throw new GatewayError(
      "invalid_request",
      `X-Modelux-Provider: provider ${quoteClientValue(named)} (${provider.vendor}) serves no ${shape}-shaped files or batches`,
      { param: PROVIDER_HEADER },
    );
  return provider;
}

/**
 * `provider/model` → the provider and the upstream model; null when the model has no prefix
 * naming one of the org's providers or vendors.
 */
export function providerFromModel(
  config: RuntimeConfig,
  orgId: string,
  model: string,
): { provider: RuntimeProvider; model: string } | null {
  const slash = model.indexOf("/");
  if (slash <= 0 || slash === model.length - 1) return null;
  const prefix = model.slice(0, slash);
  const provider =
    config.providersByName.get(orgScopedKey(orgId, prefix)) ??
    config.defaultProviderByVendor.get(orgScopedKey(orgId, prefix));
  return provider ? { provider, model: model.slice(slash + 1) } : null;
}

/** The surface's default: its own vendor's default provider, else the only one that qualifies. */
export function defaultProvider(
  config: RuntimeConfig,
  orgId: string,
  shape: WireShape,
): RuntimeProvider {
  // The vendor named after a shape speaks it natively (openai, anthropic).
  const own = config.defaultProviderByVendor.get(orgScopedKey(orgId, shape));
  if (own && servesStoredResources(own, shape)) return own;
  const candidates = [...config.providersById.values()].filter(
    (provider) => provider.orgId === orgId && servesStoredResources(provider, shape),
  );
  if (candidates.length === 1) return candidates[0] as RuntimeProvider;
  throw new GatewayError(
    "invalid_request",
    candidates.length === 0
      ? `this org has no provider serving ${shape}-shaped files and batches`
      : `this org has several providers serving ${shape}-shaped files and batches: name one with the X-Modelux-Provider header`,
    { param: PROVIDER_HEADER },
  );
}
