// Price overrides' part of the config snapshot: every org's. Stored per million tokens (what
// people write); the data plane prices per token.
import { asc } from "drizzle-orm";
import { perMillionToPerToken } from "#shared/pricing/units.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../../db/client.ts";
import { priceOverrides } from "../../db/schema/index.ts";

const nullableRate = (perMillion: number | null) =>
  perMillion === null ? null : perMillionToPerToken(perMillion);

export async function priceOverridesSnapshotPart(
  db: Database,
): Promise<SnapshotBody["price_overrides"]> {
  const rows = await db.select().from(priceOverrides).orderBy(asc(priceOverrides.id));
  return rows.map((row) => ({
    org_id: row.org_id,
    vendor: row.vendor,
    model: row.model,
    input: perMillionToPerToken(row.input),
    output: perMillionToPerToken(row.output),
    cache_read: nullableRate(row.cache_read),
    cache_write: nullableRate(row.cache_write),
    reasoning: nullableRate(row.reasoning),
  }));
}
