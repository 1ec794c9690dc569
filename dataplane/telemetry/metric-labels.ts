// Label values of the data plane's metrics, bounded whatever clients send: a route is a config
// slug (`@slug`, from the snapshot) or `direct`; a provider is a provider's name in the snapshot;
// a model is the catalog's name for the model served, or `other` (a client can name any model
// directly, and a raw string per request would grow the series without bound).
import { lookupModel } from "#shared/pricing/catalog.ts";
import { type RuntimeConfig, routingConfigKey } from "../snapshot/runtime-config.ts";
import type { DecisionTrace } from "../trace/decision-trace.ts";

export const NONE = "none";
export const OTHER = "other";

/**
 * `@slug` for a config of the snapshot (refused before routing too, a budget's 402), `unknown`
 * for an `@name` the project lacks, `direct` for a model named without a config.
 */
export function routeLabel(trace: DecisionTrace, config: RuntimeConfig | null): string {
  if (trace.config) return `@${trace.config.slug}`;
  const requested = trace.requested_model;
  if (!requested.startsWith("@")) return "direct";
  const slug = requested.slice(1);
  return config?.routingConfigs.has(routingConfigKey(trace.project_id, slug))
    ? requested
    : "unknown";
}

export function statusClass(status: number): string {
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  if (status >= 300) return "3xx";
  return "2xx";
}

/** An attempt's outcome: its HTTP status class (429 apart), or what happened instead. */
export function attemptOutcome(status: number | string): string {
  if (typeof status !== "number") return status;
  return status === 429 ? "429" : statusClass(status);
}

/** Catalog names by vendor and model as served; forgotten whole past the bound. */
export class ModelLabels {
  private readonly known = new Map<string, string>();

  constructor(private readonly bound = 4096) {}

  /** The catalog's name of `model` as `provider` (a provider name of `orgId`) serves it. */
  of(config: RuntimeConfig | null, orgId: string, provider: string, model: string): string {
    const vendor = config?.providersByName.get(`${orgId}/${provider}`)?.vendor;
    return vendor === undefined ? OTHER : this.ofVendor(vendor, model);
  }

  ofVendor(vendor: string, model: string): string {
    const key = `${vendor}\u0000${model}`;
    let label = this.known.get(key);
    if (label === undefined) {
      const info = lookupModel(vendor, model);
      label = info.known ? info.model : OTHER;
      if (this.known.size >= this.bound) this.known.clear();
      this.known.set(key, label);
    }
    return label;
  }
}
