// Price overrides: an org's own price for one upstream model, in USD per million tokens (what
// price sheets and contracts state), used instead of the catalog's (docs/pricing.md).
import * as v from "valibot";
import { idSchema, paginationEntries, timestampSchema } from "../../api/schemas.ts";
import { VENDORS } from "../providers/vendor-probes.ts";

/**
 * The vendors the data planes serve and price (dataplane/providers/registry.ts; a test keeps the
 * two lists equal). `openai-compatible` included: its models have no catalog price (the
 * unknown-model rule errs high), so an override is how an org prices a self-hosted model.
 */
export const PRICED_VENDORS = VENDORS;

/** Postgres keeps ten decimals and ten integer digits; a dollar a token is plenty of headroom. */
const MAX_USD_PER_MTOK = 1_000_000;

const rate = (what: string) =>
  v.pipe(
    // v.number refuses NaN and the bounds refuse ±Infinity (JSON's 1e999 parses to Infinity).
    v.number("must be a number"),
    v.minValue(0, "must be 0 or more"),
    v.maxValue(MAX_USD_PER_MTOK, `must be at most ${MAX_USD_PER_MTOK}`),
    v.description(`USD per million ${what} tokens.`),
  );

const optionalRate = (what: string, fallback: string) =>
  v.optional(
    v.pipe(
      v.nullable(rate(what)),
      v.description(
        `USD per million ${what} tokens; null (the default) bills them at the ${fallback} rate.`,
      ),
    ),
  );

const vendorSchema = v.pipe(
  v.picklist(PRICED_VENDORS, `must be one of ${PRICED_VENDORS.join(", ")}`),
  v.description("The provider's vendor."),
);

const modelSchema = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(300, "must be at most 300 characters"),
  // Empty is minLength's to report, not this one's as well.
  v.regex(/^(\S(.*\S)?)?$/, "must not start or end with whitespace"),
  v.description(
    "The exact model name sent upstream (for Azure, the deployment name), e.g. gpt-4o-2024-08-06.",
  ),
);

export const priceOverrideView = v.object({
  id: idSchema("The price override's id."),
  vendor: v.string(),
  model: v.string(),
  input_usd_per_mtok: v.number(),
  output_usd_per_mtok: v.number(),
  cache_read_usd_per_mtok: v.nullable(v.number()),
  cache_write_usd_per_mtok: v.nullable(v.number()),
  reasoning_usd_per_mtok: v.nullable(v.number()),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type PriceOverrideView = v.InferOutput<typeof priceOverrideView>;

export const priceOverrideParams = v.object({
  price_override_id: idSchema("The price override's id."),
});

export const listPriceOverridesQuery = v.object({
  ...paginationEntries,
  vendor: v.optional(v.string()),
  model: v.optional(v.string()),
});

const optionalRates = {
  cache_read_usd_per_mtok: optionalRate("cache-read input", "input"),
  cache_write_usd_per_mtok: optionalRate("cache-write input", "input"),
  reasoning_usd_per_mtok: optionalRate("reasoning", "output"),
};

export const createPriceOverrideBody = v.strictObject({
  vendor: vendorSchema,
  model: modelSchema,
  input_usd_per_mtok: rate("input"),
  output_usd_per_mtok: rate("output"),
  ...optionalRates,
});
export type CreatePriceOverride = v.InferOutput<typeof createPriceOverrideBody>;

export const updatePriceOverrideBody = v.strictObject({
  vendor: v.optional(vendorSchema),
  model: v.optional(modelSchema),
  input_usd_per_mtok: v.optional(rate("input")),
  output_usd_per_mtok: v.optional(rate("output")),
  ...optionalRates,
});
export type UpdatePriceOverride = v.InferOutput<typeof updatePriceOverrideBody>;
