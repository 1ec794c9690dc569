// Operations on price overrides: an org's own USD-per-million-token prices for upstream models.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView } from "../../api/schemas.ts";
import {
  createPriceOverrideBody,
  listPriceOverridesQuery,
  priceOverrideParams,
  priceOverrideView,
  updatePriceOverrideBody,
} from "./model.ts";
import {
  createPriceOverride,
  deletePriceOverride,
  getPriceOverride,
  listPriceOverrides,
  updatePriceOverride,
  viewPriceOverride,
} from "./service.ts";

const tag = "price-overrides";

export const priceOverrideOperations = [
  defineListOperation({
    id: "list_price_overrides",
    method: "GET",
    path: "/price-overrides",
    summary: "List the org's price overrides",
    tag,
    role: "viewer",
    query: listPriceOverridesQuery,
    output: priceOverrideView,
    handler: ({ tenant }, { query }) => listPriceOverrides(tenant, query),
  }),
  defineOperation({
    id: "get_price_override",
    method: "GET",
    path: "/price-overrides/{price_override_id}",
    summary: "Get a price override",
    tag,
    role: "viewer",
    params: priceOverrideParams,
    output: priceOverrideView,
    handler: async ({ tenant }, { params }) =>
      viewPriceOverride(await getPriceOverride(tenant, params.price_override_id)),
  }),
  defineOperation({
    id: "create_price_override",
    method: "POST",
    path: "/price-overrides",
    summary: "Price a model at the org's own rate instead of the catalog's",
    description:
      "Rates are USD per million tokens. From the next snapshot (within a second) the data " +
      "planes price this org's requests to exactly this vendor and upstream model name with " +
      "them: decision traces, budgets and cost-optimized routing. A cache rate left out bills " +
      "at the input rate, a reasoning rate at the output rate. One override per vendor and model.",
    tag,
    role: "admin",
    status: 201,
    body: createPriceOverrideBody,
    output: priceOverrideView,
    handler: ({ write }, { body }) =>
      write(async ({ tenant, audit }) => {
        const after = viewPriceOverride(await createPriceOverride(tenant, body));
        await audit({
          action: "price_override.created",
          resource_type: "price_override",
          resource_id: after.id,
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "update_price_override",
    method: "PATCH",
    path: "/price-overrides/{price_override_id}",
    summary: "Change a price override's rates (or the model it prices)",
    description: "A cache or reasoning rate set to null falls back to the input or output rate.",
    tag,
    role: "admin",
    params: priceOverrideParams,
    body: updatePriceOverrideBody,
    output: priceOverrideView,
    handler: ({ write }, { params, body }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getPriceOverride(tenant, params.price_override_id);
        const after = viewPriceOverride(await updatePriceOverride(tenant, existing, body));
        await audit({
          action: "price_override.updated",
          resource_type: "price_override",
          resource_id: existing.id,
          before: viewPriceOverride(existing),
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "delete_price_override",
    method: "DELETE",
    path: "/price-overrides/{price_override_id}",
    summary: "Delete a price override (the model is priced from the catalog again)",
    tag,
    role: "admin",
    params: priceOverrideParams,
    output: deletedView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getPriceOverride(tenant, params.price_override_id);
        await deletePriceOverride(tenant, existing);
        await audit({
          action: "price_override.deleted",
          resource_type: "price_override",
          resource_id: existing.id,
          before: viewPriceOverride(existing),
        });
        return deleted(existing.id);
      }),
  }),
];
