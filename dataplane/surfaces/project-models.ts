// What a key's project can name as `model`, for the surfaces' `/models` lists: its routing
// configs as `@slug`, then every catalog model of each of its org's providers as
// `provider/model` (the name resolve-target.ts routes directly), in a stable order.
import { catalogModelNames } from "#shared/pricing/catalog.ts";
import type { RuntimeApiKey, RuntimeConfig } from "../snapshot/runtime-config.ts";

export interface ProjectModel {
  id: string;
  /** A routing config, or a model one provider reaches. */
  kind: "config" | "provider-model";
}

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
      models.push({ id: `${provider.name}/${model}`, kind: "provider-model" });
    }
  }
  return models;
}
