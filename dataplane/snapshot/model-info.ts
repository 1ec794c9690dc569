// What the data plane prices a model at for one org: the org's own price override when it has
// one for exactly this (vendor, model), otherwise the catalog's answer (docs/pricing.md).
import { lookupModel, type ModelInfo } from "#shared/pricing/catalog.ts";
import { priceOverrideKey, type SnapshotTables } from "./snapshot-tables.ts";

/** Per snapshot: the overridden answers, built once each (a config lives until the next swap). */
const overridden = new WeakMap<SnapshotTables, Map<string, ModelInfo>>();

export function modelInfoFor(
  config: SnapshotTables,
  orgId: string,
  vendor: string,
  model: string,
): ModelInfo {
  const catalog = lookupModel(vendor, model);
  if (config.priceOverrides.size === 0) return catalog;
  const key = priceOverrideKey(orgId, vendor, model);
  const price = config.priceOverrides.get(key);
  if (price === undefined) return catalog;

  let infos = overridden.get(config);
  if (infos === undefined) {
    infos = new Map();
    overridden.set(config, infos);
  }
  let info = infos.get(key);
  if (info === undefined) {
    // The org vouches for the price, not for capabilities: those stay the catalog's (none
    // assumed for a model the catalog does not know).
    info = Object.freeze({ ...catalog, price, known: true, priceSource: "override" as const });
    infos.set(key, info);
  }
  return info;
}
