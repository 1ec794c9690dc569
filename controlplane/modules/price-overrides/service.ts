// Price overrides of one org: at most one per (vendor, model). Stored in USD per million tokens
// as given; the snapshot publisher converts them to USD per token for the data planes.
import { eq } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { isUniqueViolation } from "../../api/db-errors.ts";
import { conflict, notFound } from "../../api/errors.ts";
import { isoRequired } from "../../api/schemas.ts";
import { type PriceOverrideRow, priceOverrides } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import type { CreatePriceOverride, PriceOverrideView, UpdatePriceOverride } from "./model.ts";

export const viewPriceOverride = (row: PriceOverrideRow): PriceOverrideView => ({
  id: row.id,
  vendor: row.vendor,
  model: row.model,
  input_usd_per_mtok: row.input,
  output_usd_per_mtok: row.output,
  cache_read_usd_per_mtok: row.cache_read,
  cache_write_usd_per_mtok: row.cache_write,
  reasoning_usd_per_mtok: row.reasoning,
  created_at: isoRequired(row.created_at),
  updated_at: isoRequired(row.updated_at),
});

const duplicate = (vendor: string, model: string) =>
  conflict(`a price override for ${vendor} model "${model}" exists`, "price_override");

export async function listPriceOverrides(
  tenant: Tenant,
  query: { limit?: number; cursor?: string; vendor?: string; model?: string },
) {
  return tenant.page(
    priceOverrides,
    query,
    [
      query.vendor ? eq(priceOverrides.vendor, query.vendor) : undefined,
      query.model ? eq(priceOverrides.model, query.model) : undefined,
    ],
    viewPriceOverride,
  );
}

export async function getPriceOverride(tenant: Tenant, priceOverrideId: string) {
  const row = await tenant.find(priceOverrides, priceOverrideId);
  if (!row) throw notFound("price_override", priceOverrideId);
  return row;
}

export async function createPriceOverride(tenant: Tenant, input: CreatePriceOverride) {
  try {
    return await tenant.insert(priceOverrides, {
      id: newId("priceOverride"),
      vendor: input.vendor,
      model: input.model,
      input: input.input_usd_per_mtok,
      output: input.output_usd_per_mtok,
      cache_read: input.cache_read_usd_per_mtok ?? null,
      cache_write: input.cache_write_usd_per_mtok ?? null,
      reasoning: input.reasoning_usd_per_mtok ?? null,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(input.vendor, input.model);
    throw error;
  }
}

export async function updatePriceOverride(
  tenant: Tenant,
  existing: PriceOverrideRow,
  input: UpdatePriceOverride,
) {
  // `undefined` leaves a field as it is; `null` clears an optional rate back to its fallback.
  const changes: Partial<PriceOverrideRow> = {
    vendor: input.vendor,
    model: input.model,
    input: input.input_usd_per_mtok,
    output: input.output_usd_per_mtok,
    cache_read: input.cache_read_usd_per_mtok,
    cache_write: input.cache_write_usd_per_mtok,
    reasoning: input.reasoning_usd_per_mtok,
  };
  try {
    const row = await tenant.update(priceOverrides, existing.id, {
      ...withoutUndefined(changes),
      updated_at: new Date(),
    });
    if (!row) throw notFound("price_override", existing.id);
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw duplicate(input.vendor ?? existing.vendor, input.model ?? existing.model);
    }
    throw error;
  }
}

export async function deletePriceOverride(tenant: Tenant, existing: PriceOverrideRow) {
  await tenant.delete(priceOverrides, existing.id);
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
