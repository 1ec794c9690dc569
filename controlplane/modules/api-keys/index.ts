// Operations on proxy API keys.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { announceRevocation, fleetNotReached } from "./announce-revocation.ts";
import {
  apiKeyParams,
  apiKeyView,
  createApiKeyBody,
  createdApiKeyView,
  listApiKeysQuery,
  revokedApiKeyView,
  updateApiKeyBody,
} from "./model.ts";
import {
  createApiKey,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  updateApiKey,
  viewApiKey,
} from "./service.ts";

const tag = "api-keys";

export const apiKeyOperations = [
  defineListOperation({
    id: "list_api_keys",
    method: "GET",
    path: "/api-keys",
    summary: "List proxy API keys",
    description: "Revoked keys are left out unless include_revoked is true.",
    tag,
    role: "viewer",
    query: listApiKeysQuery,
    output: apiKeyView,
    handler: ({ tenant }, { query }) => listApiKeys(tenant, query),
  }),
  defineOperation({
    id: "get_api_key",
    method: "GET",
    path: "/api-keys/{api_key_id}",
    summary: "Get a proxy API key (never its secret)",
    tag,
    role: "viewer",
    params: apiKeyParams,
    output: apiKeyView,
    handler: async ({ tenant }, { params }) =>
      viewApiKey(await getApiKey(tenant, params.api_key_id)),
  }),
  defineOperation({
    id: "create_api_key",
    method: "POST",
    path: "/api-keys",
    summary: "Create a proxy API key (mlx_sk_…) for a project",
    description:
      "The response holds the key itself in `key`, this once; only its SHA-256 is stored. " +
      "Data planes accept it within a second.",
    tag,
    role: "developer",
    status: 201,
    body: createApiKeyBody,
    output: createdApiKeyView,
    handler: ({ caller, write }, { body }) =>
      write(async ({ tenant, audit }) => {
        const { row, key } = await createApiKey(tenant, caller.key_id, body);
        const after = viewApiKey(row);
        await audit({
          action: "api_key.created",
          resource_type: "api_key",
          resource_id: row.id,
          after,
        });
        return { ...after, key };
      }),
  }),
  defineOperation({
    id: "update_api_key",
    method: "PATCH",
    path: "/api-keys/{api_key_id}",
    summary: "Rename a proxy API key or change its expiry or rate limits",
    description:
      "rpm_limit and tpm_limit (requests and tokens per minute) take effect on every data plane " +
      "within a second; null falls back to the project's default (docs/limits.md).",
    tag,
    role: "developer",
    params: apiKeyParams,
    body: updateApiKeyBody,
    output: apiKeyView,
    handler: ({ write }, { params, body }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getApiKey(tenant, params.api_key_id);
        const after = viewApiKey(await updateApiKey(tenant, existing, body));
        await audit({
          action: "api_key.updated",
          resource_type: "api_key",
          resource_id: existing.id,
          before: viewApiKey(existing),
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "revoke_api_key",
    method: "POST",
    path: "/api-keys/{api_key_id}/revoke",
    summary: "Revoke a proxy API key",
    description:
      "Every data plane refuses the key within a second. Sends the api_key.revoked webhook. " +
      "Revoking a revoked key changes nothing but announces it to the fleet again. " +
      "`fleet.notified` is false when the bus (NATS) could not be reached: the data planes " +
      "then accept the key until the bus is back, and refuse it within seconds of that " +
      "(docs/architecture.md, 'When the bus is lost').",
    tag,
    role: "developer",
    params: apiKeyParams,
    output: revokedApiKeyView,
    handler: async ({ write, services }, { params }) => {
      let fleet = fleetNotReached("the revocation was not announced");
      const after = await write(async ({ tenant, audit, emit, afterCommit }) => {
        const existing = await getApiKey(tenant, params.api_key_id);
        afterCommit(async () => {
          fleet = await announceRevocation(services, existing);
        });
        if (existing.revoked_at) return viewApiKey(existing);
        const after = viewApiKey(await revokeApiKey(tenant, existing));
        await audit({
          action: "api_key.revoked",
          resource_type: "api_key",
          resource_id: existing.id,
          before: viewApiKey(existing),
          after,
        });
        await emit("api_key.revoked", { api_key: after });
        return after;
      });
      return { ...after, fleet };
    },
  }),
];
