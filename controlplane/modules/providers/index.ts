// Operations on providers (BYOK credentials).
import { credentialHint } from "#shared/crypto/secret-box.ts";
import { invalidField } from "../../api/errors.ts";
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView } from "../../api/schemas.ts";
import type { ProviderRow } from "../../db/schema/index.ts";
import type { FleetCircuits } from "../provider-health/fleet-circuits.ts";
import {
  createProviderBody,
  listProvidersQuery,
  providerHealthView,
  providerParams,
  providerView,
  rotateProviderBody,
  updateProviderBody,
} from "./model.ts";
import {
  checkProvider,
  decryptCredential,
  deleteProviderRow,
  getProvider,
  insertProvider,
  listProviders,
  refuseWhileUsed,
  updateProviderRow,
  verifiedAt,
  verifyOrRefuse,
  viewProvider,
} from "./service.ts";

const tag = "providers";

/** The last credential check, and the fleet's circuit breakers for the provider now. */
const viewHealth = (row: ProviderRow, fleet: FleetCircuits | undefined) => ({
  ...checkedHealth(row),
  dataplane: fleet?.ofProvider(row.org_id, row.id) ?? null,
});

const checkedHealth = (row: ProviderRow) => ({
  provider_id: row.id,
  status:
    !row.last_verification || row.last_verification.skipped
      ? ("unknown" as const)
      : row.last_verification.ok
        ? ("healthy" as const)
        : ("failing" as const),
  verified_at: viewProvider(row).verified_at,
  last_verification: row.last_verification ?? null,
  note:
    "Status comes from the last credential check (on add, rotation, update or verify_provider); " +
    "unknown when it was skipped (verify: false). dataplane: the data planes' circuit breakers " +
    "now; latency and error rate from traffic are in list_provider_health.",
});

export const providerOperations = [
  defineListOperation({
    id: "list_providers",
    method: "GET",
    path: "/providers",
    summary: "List providers",
    tag,
    role: "viewer",
    query: listProvidersQuery,
    output: providerView,
    handler: ({ tenant }, { query }) => listProviders(tenant, query),
  }),
  defineOperation({
    id: "get_provider",
    method: "GET",
    path: "/providers/{provider_id}",
    summary: "Get a provider (the credential only as a hint)",
    tag,
    role: "viewer",
    params: providerParams,
    output: providerView,
    handler: async ({ tenant }, { params }) =>
      viewProvider(await getProvider(tenant, params.provider_id)),
  }),
  defineOperation({
    id: "create_provider",
    method: "POST",
    path: "/providers",
    summary: "Add a provider credential, checked against the upstream first",
    description:
      "Calls the vendor's model list with the credential; a rejected credential or an " +
      "unreachable base_url is refused with 422 and nothing is stored. verify: false skips " +
      'the call and stores the provider with verification "skipped".',
    aliases: { tools: ["add_provider"] },
    tag,
    role: "admin",
    status: 201,
    body: createProviderBody,
    output: providerView,
    handler: async ({ services, write }, { body }) => {
      const verification = await verifyOrRefuse(
        services,
        {
          vendor: body.vendor,
          base_url: body.base_url ?? null,
          api_key: body.api_key,
          options: body.options ?? {},
        },
        body.verify,
      );
      return write(async ({ tenant, audit }) => {
        const row = await insertProvider(tenant, services, body, verification);
        const after = viewProvider(row);
        await audit({
          action: "provider.created",
          resource_type: "provider",
          resource_id: row.id,
          after,
        });
        return after;
      });
    },
  }),
  defineOperation({
    id: "update_provider",
    method: "PATCH",
    path: "/providers/{provider_id}",
    summary: "Rename a provider, rotate its credential or change its base URL or options",
    description:
      "A new api_key, base_url or options are checked against the upstream first (with the " +
      "stored credential unless api_key is given); only if that works are they stored " +
      '(verify: false skips the check and marks the provider "skipped"; it is refused when ' +
      "none of them changes). A provider that routing configs or budgets name cannot be renamed.",
    tag,
    role: "admin",
    params: providerParams,
    body: updateProviderBody,
    output: providerView,
    handler: async ({ tenant, services, write }, { params, body }) => {
      const existing = await getProvider(tenant, params.provider_id);
      const endpointChanged =
        body.base_url !== undefined || body.options !== undefined || body.api_key !== undefined;
      if (body.verify !== undefined && !endpointChanged)
        throw invalidField("body.verify", "applies only with a new api_key, base_url or options");
      const verification = endpointChanged
        ? await verifyOrRefuse(
            services,
            {
              vendor: existing.vendor,
              base_url: body.base_url === undefined ? existing.base_url : body.base_url,
              api_key: body.api_key ?? decryptCredential(services, existing),
              options: body.options ?? existing.options,
            },
            body.verify,
          )
        : undefined;
      return write(async ({ tenant, audit }) => {
        const current = await getProvider(tenant, params.provider_id);
        if (body.name && body.name !== current.name)
          await refuseWhileUsed(tenant, current, "rename");
        const row = await updateProviderRow(tenant, current.id, {
          ...(body.name ? { name: body.name } : {}),
          ...(body.base_url !== undefined ? { base_url: body.base_url } : {}),
          ...(body.options ? { options: body.options } : {}),
          ...(body.api_key !== undefined
            ? {
                credential_ciphertext: services.secretBox.encrypt(body.api_key),
                credential_hint: credentialHint(body.api_key),
              }
            : {}),
          ...(verification
            ? { last_verification: verification, verified_at: verifiedAt(verification) }
            : {}),
        });
        const after = viewProvider(row);
        await audit({
          action: body.api_key !== undefined ? "provider.credential_rotated" : "provider.updated",
          resource_type: "provider",
          resource_id: row.id,
          before: viewProvider(current),
          after,
        });
        return after;
      });
    },
  }),
  defineOperation({
    id: "rotate_provider_credential",
    method: "POST",
    path: "/providers/{provider_id}/rotate-credential",
    summary: "Swap in a new credential after checking it",
    description:
      "The new credential is checked against the upstream; only if it works does it replace " +
      'the old one (verify: false skips the check and marks the provider "skipped"). Data ' +
      "planes use it within a second.",
    tag,
    role: "admin",
    params: providerParams,
    body: rotateProviderBody,
    output: providerView,
    handler: async ({ tenant, services, write }, { params, body }) => {
      const existing = await getProvider(tenant, params.provider_id);
      const verification = await verifyOrRefuse(
        services,
        {
          vendor: existing.vendor,
          base_url: existing.base_url,
          api_key: body.api_key,
          options: existing.options,
        },
        body.verify,
      );
      return write(async ({ tenant, audit }) => {
        const row = await updateProviderRow(tenant, existing.id, {
          credential_ciphertext: services.secretBox.encrypt(body.api_key),
          credential_hint: credentialHint(body.api_key),
          last_verification: verification,
          verified_at: verifiedAt(verification),
        });
        const after = viewProvider(row);
        await audit({
          action: "provider.credential_rotated",
          resource_type: "provider",
          resource_id: row.id,
          before: viewProvider(existing),
          after,
        });
        return after;
      });
    },
  }),
  defineOperation({
    id: "verify_provider",
    method: "POST",
    path: "/providers/{provider_id}/verify",
    summary: "Check the stored credential against the upstream now",
    description:
      "Records the outcome; a change between working and failing sends provider.health_changed.",
    tag,
    role: "developer",
    params: providerParams,
    output: providerHealthView,
    handler: async ({ tenant, services, write }, { params }) => {
      const existing = await getProvider(tenant, params.provider_id);
      const { record } = await checkProvider(services, {
        vendor: existing.vendor,
        base_url: existing.base_url,
        api_key: decryptCredential(services, existing),
        options: existing.options,
      });
      return write(async ({ tenant, emit }) => {
        const row = await updateProviderRow(tenant, existing.id, {
          last_verification: record,
          ...(record.ok ? { verified_at: new Date(record.checked_at) } : {}),
        });
        const wasOk = existing.last_verification?.ok ?? null;
        if (wasOk !== record.ok) {
          await emit("provider.health_changed", {
            provider: viewProvider(row),
            source: "verification",
            previous: wasOk === null ? "unknown" : wasOk ? "healthy" : "failing",
            current: record.ok ? "healthy" : "failing",
          });
        }
        return viewHealth(row, services.fleetCircuits);
      });
    },
  }),
  defineOperation({
    id: "get_provider_health",
    method: "GET",
    path: "/providers/{provider_id}/health",
    summary: "Get a provider's health",
    description:
      "The outcome of the last credential check, and the data planes' circuit breakers for " +
      "this provider now (dataplane). Latency and error rate from traffic: list_provider_health.",
    tag,
    role: "viewer",
    params: providerParams,
    output: providerHealthView,
    handler: async ({ tenant, services }, { params }) =>
      viewHealth(await getProvider(tenant, params.provider_id), services.fleetCircuits),
  }),
  defineOperation({
    id: "delete_provider",
    method: "DELETE",
    path: "/providers/{provider_id}",
    summary: "Delete a provider",
    description: "Refused (409) while a routing config or budget names it, by name or id.",
    tag,
    role: "admin",
    params: providerParams,
    output: deletedView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getProvider(tenant, params.provider_id);
        await refuseWhileUsed(tenant, existing, "delete");
        await deleteProviderRow(tenant, existing.id);
        await audit({
          action: "provider.deleted",
          resource_type: "provider",
          resource_id: existing.id,
          before: viewProvider(existing),
        });
        return deleted(existing.id);
      }),
  }),
];
