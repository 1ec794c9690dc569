// Turns a model reference (`provider/model`, a bare name, or `{model, provider}`) into the
// provider and upstream model it names, within the caller's org (DESIGN §4 step 3).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import {
  orgScopedKey,
  type RuntimeProvider,
  type SnapshotTables,
} from "../snapshot/snapshot-tables.ts";
import { BARE_MODEL_PREFIXES, inferVendor } from "./bare-model-prefixes.ts";

export interface ResolvedTarget {
  provider: RuntimeProvider;
  model: string;
  resolved: "direct" | "auto";
}

export function resolveTarget(
  config: SnapshotTables,
  orgId: string,
  model: string,
  options: { providerRef?: string; allowBare: boolean },
): ResolvedTarget {
  if (options.providerRef) {
    const provider = findProvider(config, orgId, options.providerRef);
    if (!provider)
      throw new GatewayError(
        "invalid_request",
        `unknown provider ${quoteClientValue(options.providerRef)}`,
        {
          param: "model",
        },
      );
    return { provider, model, resolved: "direct" };
  }
  const slash = model.indexOf("/");
  if (slash > 0) {
    const prefix = model.slice(0, slash);
    const upstreamModel = model.slice(slash + 1);
    const provider =
      config.providersByName.get(orgScopedKey(orgId, prefix)) ??
      config.defaultProviderByVendor.get(orgScopedKey(orgId, prefix));
    if (provider && upstreamModel) return { provider, model: upstreamModel, resolved: "direct" };
  }
  if (!options.allowBare) {
    throw new GatewayError(
      "invalid_request",
      `model ${quoteClientValue(model)} must be "@config" or "provider/model": this project turned off bare model names`,
      { param: "model" },
    );
  }
  const vendor = inferVendor(model);
  if (!vendor) {
    const prefixes = BARE_MODEL_PREFIXES.map((entry) => `${entry.prefix}*`).join(", ");
    throw new GatewayError(
      "invalid_request",
      `unknown model ${quoteClientValue(model)}: use "@config", "provider/model", or a name starting with ${prefixes}`,
      { param: "model" },
    );
  }
  const provider = config.defaultProviderByVendor.get(orgScopedKey(orgId, vendor));
  if (!provider) {
    throw new GatewayError(
      "invalid_request",
      `model ${quoteClientValue(model)} needs a ${vendor} provider, and this org has none`,
      { param: "model" },
    );
  }
  return { provider, model, resolved: "auto" };
}

function findProvider(
  config: SnapshotTables,
  orgId: string,
  reference: string,
): RuntimeProvider | undefined {
  const byId = config.providersById.get(reference);
  if (byId && byId.orgId === orgId) return byId;
  return config.providersByName.get(orgScopedKey(orgId, reference));
}
