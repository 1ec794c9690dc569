// Operations on routing configs: save (each save a version), read, versions, diff, rollback,
// and the dry run (the plan a sample request would get).
import type { Caller, WriteContext } from "../../api/operation.ts";
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView } from "../../api/schemas.ts";
import { getProject } from "../projects/service.ts";
import { dryRunRoutingConfig } from "./dry-run.ts";
import { jsonDiff } from "./json-diff.ts";
import {
  diffQuery,
  dryRunBody,
  dryRunView,
  listRoutingConfigsQuery,
  listVersionsQuery,
  rollbackBody,
  routingConfigDiffView,
  routingConfigParams,
  routingConfigVersionView,
  routingConfigView,
  saveRoutingConfigBody,
  updateRoutingConfigBody,
  versionParams,
} from "./model.ts";
import { inOurForm } from "./published-forms.ts";
import {
  findConfigHead,
  getRoutingConfig,
  getVersion,
  listRoutingConfigs,
  listVersions,
  saveConfigVersion,
  setDescription,
  softDeleteRoutingConfig,
  viewRoutingConfig,
  viewVersion,
} from "./service.ts";
import { checkNotReferenced, checkProviderReferences, checkRoutingConfig } from "./validate.ts";

const tag = "routing-configs";

/** Saves a version, audits it and sends routing_config.created or .updated. */
async function saveAndAnnounce(
  write: WriteContext,
  caller: Caller,
  input: {
    projectId: string;
    slug: string;
    config: Record<string, unknown>;
    /** A string sets it, null clears it, undefined leaves it. */
    description?: string | null;
    message?: string;
  },
  action = "routing_config.saved",
) {
  const { tenant, audit, emit } = write;
  const previous = await findConfigHead(tenant, input.projectId, input.slug, {
    includeDeleted: true,
  });
  const live = previous && !previous.deleted_at ? previous : null;
  const before = live
    ? viewRoutingConfig(live, await getVersion(tenant.db, live, live.current_version))
    : undefined;
  const saved = await saveConfigVersion(tenant, {
    projectId: input.projectId,
    slug: input.slug,
    config: input.config,
    description: input.description ?? undefined,
    message: input.message,
    createdBy: caller.key_id,
  });
  if (previous && input.description !== undefined) {
    await setDescription(tenant, previous, input.description);
  }
  const head = await getRoutingConfig(tenant, saved.id);
  const after = viewRoutingConfig(head, await getVersion(tenant.db, head, saved.version));
  await audit({ action, resource_type: "routing_config", resource_id: head.id, before, after });
  await emit(live ? "routing_config.updated" : "routing_config.created", {
    routing_config: after,
    version: saved.version,
    previous_version: before?.current_version ?? null,
  });
  return after;
}

export const routingConfigOperations = [
  defineOperation({
    id: "save_routing_config",
    method: "POST",
    path: "/routing-configs",
    summary:
      "Create a routing config, or save a new version of the project's config with that slug",
    description:
      "Every save is a new immutable version that becomes current. Requests with model " +
      '"@<slug>" use it within a second. Sends routing_config.created or routing_config.updated.',
    tag,
    role: "developer",
    status: 201,
    body: saveRoutingConfigBody,
    output: routingConfigView,
    handler: ({ caller, write }, { body }) =>
      write(async (context) => {
        await getProject(context.tenant, body.project_id);
        const config = inOurForm(body.config);
        await checkRoutingConfig(context.tenant, body.project_id, body.slug, config);
        await checkProviderReferences(context.tenant, config);
        return saveAndAnnounce(context, caller, {
          projectId: body.project_id,
          slug: body.slug,
          config,
          description: body.description,
          message: body.message,
        });
      }),
  }),
  defineListOperation({
    id: "list_routing_configs",
    method: "GET",
    path: "/routing-configs",
    summary: "List routing configs with their current config",
    tag,
    role: "viewer",
    query: listRoutingConfigsQuery,
    output: routingConfigView,
    handler: ({ tenant }, { query }) => listRoutingConfigs(tenant, query),
  }),
  defineOperation({
    id: "get_routing_config",
    method: "GET",
    path: "/routing-configs/{routing_config_id}",
    summary: "Get a routing config with its current config",
    tag,
    role: "viewer",
    params: routingConfigParams,
    output: routingConfigView,
    handler: async ({ tenant }, { params }) => {
      const head = await getRoutingConfig(tenant, params.routing_config_id);
      return viewRoutingConfig(head, await getVersion(tenant.db, head, head.current_version));
    },
  }),
  defineOperation({
    id: "update_routing_config",
    method: "PATCH",
    path: "/routing-configs/{routing_config_id}",
    summary: "Save a new version of a routing config, or change its description",
    tag,
    role: "developer",
    params: routingConfigParams,
    body: updateRoutingConfigBody,
    output: routingConfigView,
    handler: ({ caller, write }, { params, body }) =>
      write(async (context) => {
        const head = await getRoutingConfig(context.tenant, params.routing_config_id);
        if (body.config) {
          const config = inOurForm(body.config);
          await checkRoutingConfig(context.tenant, head.project_id, head.slug, config);
          await checkProviderReferences(context.tenant, config);
          return saveAndAnnounce(context, caller, {
            projectId: head.project_id,
            slug: head.slug,
            config,
            description: body.description,
            message: body.message,
          });
        }
        const current = await getVersion(context.tenant.db, head, head.current_version);
        if (body.description !== undefined)
          await setDescription(context.tenant, head, body.description);
        const updated = await getRoutingConfig(context.tenant, head.id);
        const after = viewRoutingConfig(updated, current);
        await context.audit({
          action: "routing_config.described",
          resource_type: "routing_config",
          resource_id: head.id,
          before: viewRoutingConfig(head, current),
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "delete_routing_config",
    method: "DELETE",
    path: "/routing-configs/{routing_config_id}",
    summary: "Delete a routing config",
    description:
      'Requests for "@<slug>" fail with 404 within a second. Versions are kept; saving the ' +
      "slug again revives it with the next version. Sends routing_config.deleted.",
    tag,
    role: "developer",
    params: routingConfigParams,
    output: deletedView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit, emit }) => {
        const head = await getRoutingConfig(tenant, params.routing_config_id);
        const before = viewRoutingConfig(
          head,
          await getVersion(tenant.db, head, head.current_version),
        );
        await checkNotReferenced(tenant, head.project_id, head.slug);
        await softDeleteRoutingConfig(tenant, head);
        await audit({
          action: "routing_config.deleted",
          resource_type: "routing_config",
          resource_id: head.id,
          before,
        });
        await emit("routing_config.deleted", { routing_config: before });
        return deleted(head.id);
      }),
  }),
  defineListOperation({
    id: "list_routing_config_versions",
    method: "GET",
    path: "/routing-configs/{routing_config_id}/versions",
    summary: "List a routing config's versions, newest first",
    tag,
    role: "viewer",
    params: routingConfigParams,
    query: listVersionsQuery,
    output: routingConfigVersionView,
    handler: async ({ tenant }, { params, query }) =>
      listVersions(tenant, await getRoutingConfig(tenant, params.routing_config_id), query),
  }),
  defineOperation({
    id: "get_routing_config_version",
    method: "GET",
    path: "/routing-configs/{routing_config_id}/versions/{version}",
    summary: "Get one version of a routing config",
    tag,
    role: "viewer",
    params: versionParams,
    output: routingConfigVersionView,
    handler: async ({ tenant }, { params }) => {
      const head = await getRoutingConfig(tenant, params.routing_config_id);
      return viewVersion(await getVersion(tenant.db, head, params.version));
    },
  }),
  defineOperation({
    id: "diff_routing_config_versions",
    method: "GET",
    path: "/routing-configs/{routing_config_id}/diff",
    summary: "Diff two versions of a routing config",
    description: "Lists what was added, removed or replaced from `from` to `to`, by JSON pointer.",
    tag,
    role: "viewer",
    params: routingConfigParams,
    query: diffQuery,
    output: routingConfigDiffView,
    handler: async ({ tenant }, { params, query }) => {
      const head = await getRoutingConfig(tenant, params.routing_config_id);
      const [from, to] = await Promise.all([
        getVersion(tenant.db, head, query.from),
        getVersion(tenant.db, head, query.to),
      ]);
      return {
        routing_config_id: head.id,
        from_version: from.version,
        to_version: to.version,
        changes: jsonDiff(from.config, to.config),
      };
    },
  }),
  defineOperation({
    id: "rollback_routing_config",
    method: "POST",
    path: "/routing-configs/{routing_config_id}/rollback",
    summary: "Roll back: save an old version's config as a new version",
    description:
      "History stays linear: the rollback is itself a new version. Sends routing_config.updated.",
    tag,
    role: "developer",
    params: routingConfigParams,
    body: rollbackBody,
    output: routingConfigView,
    handler: ({ caller, write }, { params, body }) =>
      write(async (context) => {
        const head = await getRoutingConfig(context.tenant, params.routing_config_id);
        const target = await getVersion(context.tenant.db, head, body.version);
        await checkRoutingConfig(
          context.tenant,
          head.project_id,
          head.slug,
          target.config,
          "body.version",
        );
        await checkProviderReferences(context.tenant, target.config);
        return saveAndAnnounce(
          context,
          caller,
          {
            projectId: head.project_id,
            slug: head.slug,
            config: target.config,
            message: body.message ?? `rollback to version ${body.version}`,
          },
          "routing_config.rolled_back",
        );
      }),
  }),
  defineOperation({
    id: "dry_run_routing_config",
    method: "POST",
    path: "/routing-configs/dry-run",
    summary: "Dry-run a routing config: the plan a sample request would get",
    description:
      "Answers a sample request (OpenAI or Anthropic shape, without model) as a data plane " +
      "answers X-Modelux-Dry-Run: true for model @slug, with routing_config (an object, " +
      '"slug@version" or a slug) at that slug: the same parsing, budget checks (against the ' +
      "fleet's current totals) and planner, run by a private data plane in the control plane. " +
      "Nothing is sent upstream or logged; health is that of a node that has made no call yet.",
    tag,
    // As replay_log: a POST, and work for the control plane (a private data plane per call).
    role: "developer",
    body: dryRunBody,
    output: dryRunView,
    handler: ({ tenant }, { body }) => dryRunRoutingConfig(tenant, body),
  }),
];
