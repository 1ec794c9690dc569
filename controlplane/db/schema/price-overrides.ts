import { numeric, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";

/** USD per million tokens, as people write prices; ten decimals keep $0.0028 / M exact. */
const perMillion = (name: string) => numeric(name, { precision: 20, scale: 10, mode: "number" });

/**
 * An org's own price for one upstream model (a negotiated rate, a private deployment), used
 * instead of the catalog's when its traffic is priced. Stored in USD per **million** tokens, the
 * unit the Management API speaks; the snapshot carries USD per token. A null cache or reasoning
 * rate follows the catalog's rule: cache rates fall back to `input`, reasoning to `output`.
 */
export const priceOverrides = pgTable(
  "price_overrides",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    vendor: text("vendor").notNull(),
    /** The exact model name sent upstream (for Azure, the deployment). */
    model: text("model").notNull(),
    input: perMillion("input").notNull(),
    output: perMillion("output").notNull(),
    cache_read: perMillion("cache_read"),
    cache_write: perMillion("cache_write"),
    reasoning: perMillion("reasoning"),
    ...timestamps,
  },
  (table) => [
    uniqueIndex("price_overrides_org_vendor_model_unique").on(
      table.org_id,
      table.vendor,
      table.model,
    ),
  ],
);

export type PriceOverrideRow = typeof priceOverrides.$inferSelect;
