// What a key's project can name as `model`, for both surfaces' `/models` lists and their
// `/models/{id}`: its routing configs as `@slug`, then every catalog model of each of its org's
// providers as `provider/model` (the name resolve-target.ts routes directly), in a stable order.
// Each surface renders them in its own shape (openai/models.ts, anthropic/models.ts).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { catalogModelNames } from "#shared/pricing/catalog.ts";
import type { DataPlaneContext } from "../context.ts";
import { authenticate } from "../pipeline/authenticate.ts";
import type { RuntimeApiKey, RuntimeConfig } from "../snapshot/runtime-config.ts";

export type ProjectModel =
  /** A routing config. */
  | { id: string; kind: "config" }
  /** A model one provider reaches, with the provider's vendor. */
  | { id: string; kind: "provider-model"; vendor: string };

export function projectModels(config: RuntimeConfig, key: RuntimeApiKey): ProjectModel[] {
  const configs = [...config.routingConfigs.values()]
    .filter((routing) => routing.project_id === key.projectId)
    .map((routing) => `@${routing.slug}`)
    .sort();
  const models: ProjectModel[] = configs.map((id) => ({ id, kind: "config" }));
  const providers = [...config.providersById.values()]
    .filter((provider) => provider.orgId === key.orgId)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const provider of providers) {
    for (const model of catalogModelNames(provider.vendor)) {
      models.push({
        id: `${provider.name}/${model}`,
        kind: "provider-model",
        vendor: provider.vendor,
      });
    }
  }
  return models;
}

/** The request's key, checked, and the models its project can name. */
export function visibleModels(
  request: Request,
  context: DataPlaneContext,
): { config: RuntimeConfig; models: ProjectModel[] } {
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  return { config, models: projectModels(config, key) };
}

/**
 * `/models/{id}`: the rest of the path after `prefix`, decoded (ids hold `/` and `@`; the SDKs
 * send them URL-encoded, curl users often do not).
 */
export function modelIdFromPath(request: Request, prefix: string): string {
  const pathname = new URL(request.url).pathname;
  try {
    return decodeURIComponent(pathname.slice(prefix.length));
  } catch {
    throw new GatewayError("invalid_request", "the model id in the path is not valid URL encoding");
  }
}
