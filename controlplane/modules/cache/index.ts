// Operations on the response cache.
import { defineOperation } from "../../api/operation.ts";
import { projectParams } from "../projects/model.ts";
import { getProject } from "../projects/service.ts";
import { purgeCacheBody, purgedCacheView } from "./model.ts";
import { purgeCache } from "./service.ts";

export const cacheOperations = [
  defineOperation({
    id: "purge_cache",
    method: "POST",
    path: "/projects/{project_id}/cache/purge",
    summary: "Purge a project's response cache: all of it, one routing config's, or one entry",
    description:
      "Every data plane stops serving the purged entries within a second (a control event), and " +
      "one that missed the event or starts later learns it from the shared cache store. Entries " +
      "written after the purge are served again. `fleet` says which of the two was reached.",
    tag: "cache",
    role: "developer",
    params: projectParams,
    body: purgeCacheBody,
    output: purgedCacheView,
    handler: async ({ tenant, services, write }, { params, body }) => {
      await getProject(tenant, params.project_id);
      const configSlug = body.config_slug?.replace(/^@/, "");
      const result = await purgeCache(services, {
        orgId: tenant.orgId,
        projectId: params.project_id,
        ...(configSlug === undefined ? {} : { configSlug }),
        ...(body.entry_id === undefined ? {} : { entryId: body.entry_id }),
      });
      await write(({ audit }) =>
        audit({
          action: "cache.purged",
          resource_type: "project",
          resource_id: params.project_id,
          after: { config_slug: result.config_slug, entry_id: result.entry_id },
        }),
      );
      return result;
    },
  }),
];
