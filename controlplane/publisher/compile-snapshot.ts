// Composes the snapshot body from each module's part (modules/<feature>/snapshot-part.ts): every
// field of the body has exactly one part, which reads its rows ordered by id so equal content
// always serialises, and hashes, the same. Adding a snapshot field is one part and one line here.
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../db/client.ts";
import { apiKeysSnapshotPart } from "../modules/api-keys/snapshot-part.ts";
import { budgetsSnapshotPart } from "../modules/budgets/snapshot-part.ts";
import { orgsSnapshotPart } from "../modules/orgs/snapshot-part.ts";
import { priceOverridesSnapshotPart } from "../modules/price-overrides/snapshot-part.ts";
import { projectsSnapshotPart } from "../modules/projects/snapshot-part.ts";
import { providersSnapshotPart } from "../modules/providers/snapshot-part.ts";
import { routingConfigsSnapshotPart } from "../modules/routing-configs/snapshot-part.ts";

type SnapshotParts = {
  [Field in keyof SnapshotBody]-?: (db: Database) => Promise<SnapshotBody[Field]>;
};

/** Each field of the body, from the module that owns its rows. */
const SNAPSHOT_PARTS: SnapshotParts = {
  orgs: orgsSnapshotPart,
  projects: projectsSnapshotPart,
  api_keys: apiKeysSnapshotPart,
  providers: providersSnapshotPart,
  routing_configs: routingConfigsSnapshotPart,
  budgets: budgetsSnapshotPart,
  price_overrides: priceOverridesSnapshotPart,
};

export async function compileSnapshotBody(db: Database): Promise<SnapshotBody> {
  const parts = await Promise.all(
    Object.entries(SNAPSHOT_PARTS).map(async ([field, part]) => [field, await part(db)] as const),
  );
  return Object.fromEntries(parts) as SnapshotBody;
}
