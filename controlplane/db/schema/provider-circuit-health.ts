import { pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "./columns.ts";
import { providers } from "./providers.ts";

/**
 * What `provider.health_changed` last said of a provider's circuit breakers across the fleet
 * (docs/provider-health.md): `failing` while one of its circuits is open or half-open on some
 * data plane. Every control plane hears the same circuit states; the change of this row is what
 * sends the event, so whichever gets there first sends it, once. No row: healthy. A provider's
 * child, as a budget's events are the budget's: its org is the provider's.
 */
export const providerCircuitHealth = pgTable("provider_circuit_health", {
  provider_id: text("provider_id")
    .primaryKey()
    .references(() => providers.id, { onDelete: "cascade" }),
  state: text("state").$type<"healthy" | "failing">().notNull(),
  changed_at: timestampColumn("changed_at").notNull(),
});
