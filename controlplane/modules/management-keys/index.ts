// Operations on management keys.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import {
  createdManagementKeyView,
  createManagementKeyBody,
  listManagementKeysQuery,
  managementKeyParams,
  managementKeyView,
} from "./model.ts";
import {
  createManagementKey,
  getManagementKey,
  listManagementKeys,
  revokeManagementKey,
  viewManagementKey,
} from "./service.ts";

const tag = "management-keys";

export const managementKeyOperations = [
  defineListOperation({
    id: "list_management_keys",
    method: "GET",
    path: "/management-keys",
    summary: "List management keys",
    tag,
    role: "admin",
    query: listManagementKeysQuery,
    output: managementKeyView,
    handler: ({ tenant }, { query }) => listManagementKeys(tenant, query),
  }),
  defineOperation({
    id: "get_management_key",
    method: "GET",
    path: "/management-keys/{management_key_id}",
    summary: "Get a management key (never its secret)",
    tag,
    role: "admin",
    params: managementKeyParams,
    output: managementKeyView,
    handler: async ({ tenant }, { params }) =>
      viewManagementKey(await getManagementKey(tenant, params.management_key_id)),
  }),
  defineOperation({
    id: "create_management_key",
    method: "POST",
    path: "/management-keys",
    summary: "Create a management key (mlx_mk_…)",
    description: "The key is in the response this once. Its role cannot exceed the caller's.",
    tag,
    role: "admin",
    status: 201,
    body: createManagementKeyBody,
    output: createdManagementKeyView,
    handler: ({ caller, write }, { body }) =>
      write(async ({ tenant, audit }) => {
        const { row, key } = await createManagementKey(tenant, caller, body);
        const after = viewManagementKey(row);
        await audit({
          action: "management_key.created",
          resource_type: "management_key",
          resource_id: row.id,
          after,
        });
        return { ...after, key };
      }),
  }),
  defineOperation({
    id: "revoke_management_key",
    method: "POST",
    path: "/management-keys/{management_key_id}/revoke",
    summary: "Revoke a management key",
    description: "Refused on the next request that presents it. A key may revoke itself.",
    tag,
    role: "admin",
    params: managementKeyParams,
    output: managementKeyView,
    handler: ({ caller, write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getManagementKey(tenant, params.management_key_id);
        const after = viewManagementKey(await revokeManagementKey(tenant, caller, existing));
        if (!existing.revoked_at) {
          await audit({
            action: "management_key.revoked",
            resource_type: "management_key",
            resource_id: existing.id,
            before: viewManagementKey(existing),
            after,
          });
        }
        return after;
      }),
  }),
];
