// Operations on projects and their settings.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView } from "../../api/schemas.ts";
import {
  createProjectBody,
  listProjectsQuery,
  projectParams,
  projectView,
  updateProjectBody,
} from "./model.ts";
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  updateProject,
  viewProject,
} from "./service.ts";

const tag = "projects";

export const projectOperations = [
  defineListOperation({
    id: "list_projects",
    method: "GET",
    path: "/projects",
    summary: "List projects",
    tag,
    role: "viewer",
    query: listProjectsQuery,
    output: projectView,
    handler: ({ tenant }, { query }) => listProjects(tenant, query),
  }),
  defineOperation({
    id: "get_project",
    method: "GET",
    path: "/projects/{project_id}",
    summary: "Get a project with its settings",
    tag,
    role: "viewer",
    params: projectParams,
    output: projectView,
    handler: async ({ tenant }, { params }) =>
      viewProject(await getProject(tenant, params.project_id)),
  }),
  defineOperation({
    id: "create_project",
    method: "POST",
    path: "/projects",
    summary: "Create a project",
    tag,
    role: "admin",
    status: 201,
    body: createProjectBody,
    output: projectView,
    handler: ({ write }, { body }) =>
      write(async ({ tenant, audit }) => {
        const after = viewProject(await createProject(tenant, body));
        await audit({
          action: "project.created",
          resource_type: "project",
          resource_id: after.id,
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "update_project",
    method: "PATCH",
    path: "/projects/{project_id}",
    summary: "Rename a project, change its description or its settings",
    description:
      "Settings: auto_resolve_bare_model, capture_content, redaction, trace_retention_days, " +
      "provider_keys, and rpm_limit / tpm_limit (the defaults for the project's keys without " +
      "their own). Keys left out keep their value. Data planes serve with the change within a " +
      "second.",
    tag,
    role: "admin",
    params: projectParams,
    body: updateProjectBody,
    output: projectView,
    handler: ({ write }, { params, body }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getProject(tenant, params.project_id);
        const after = viewProject(await updateProject(tenant, existing, body));
        await audit({
          action: "project.updated",
          resource_type: "project",
          resource_id: after.id,
          before: viewProject(existing),
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "delete_project",
    method: "DELETE",
    path: "/projects/{project_id}",
    summary: "Delete a project with its keys and routing configs",
    tag,
    role: "admin",
    params: projectParams,
    output: deletedView,
    handler: ({ write, services }, { params }) =>
      write(async ({ tenant, audit, afterCommit }) => {
        const existing = await getProject(tenant, params.project_id);
        const revoked = await deleteProject(tenant, existing);
        await audit({
          action: "project.deleted",
          resource_type: "project",
          resource_id: existing.id,
          before: viewProject(existing),
        });
        afterCommit(async () => {
          for (const key of revoked) {
            await services.publishControl({
              type: "api_key.revoked",
              key_id: key.id,
              key_hash: key.key_hash,
            });
          }
        });
        return deleted(existing.id);
      }),
  }),
];
