// The config snapshot body (DESIGN §8): everything a data plane needs to serve, compiled from
// Postgres. The control plane writes it strictly; data planes read it leniently (unknown fields
// ignored), so an older node can read what a newer control plane wrote at the same schema version.
import * as v from "valibot";

/** Bump when a reader of the previous version could not serve from the new shape. */
export const SNAPSHOT_SCHEMA_VERSION = 1;

const nullableString = v.nullable(v.string());
const isoTime = v.pipe(v.string(), v.isoTimestamp());

function bodyShape(strict: boolean) {
  const object = <TEntries extends v.ObjectEntries>(entries: TEntries) =>
    strict ? v.strictObject(entries) : v.object(entries);
  const org = object({ id: v.string(), slug: v.string(), name: v.string() });
  const project = object({
    id: v.string(),
    org_id: v.string(),
    slug: v.string(),
    settings: v.record(v.string(), v.unknown()),
  });
  const apiKey = object({
    id: v.string(),
    org_id: v.string(),
    project_id: v.string(),
    name: v.string(),
    key_hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
    rpm_limit: v.nullable(v.number()),
    // Added after schema version 1 was first written (docs/limits.md): absent in older
    // snapshots, read as null (no token limit of its own).
    tpm_limit: strict
      ? v.optional(v.nullable(v.number()))
      : v.optional(v.nullable(v.number()), null),
    expires_at: v.nullable(isoTime),
  });
  const provider = object({
    id: v.string(),
    org_id: v.string(),
    name: v.string(),
    vendor: v.string(),
    base_url: nullableString,
    /** AES-256-GCM ciphertext under MODELUX_SECRET_KEY (shared/crypto). */
    credential: v.string(),
    options: v.record(v.string(), v.unknown()),
  });
  const routingConfig = object({
    id: v.string(),
    org_id: v.string(),
    project_id: v.string(),
    slug: v.string(),
    version: v.number(),
    /** Validated and compiled by the routing engine. */
    config: v.record(v.string(), v.unknown()),
  });
  const budget = object({
    id: v.string(),
    org_id: v.string(),
    project_id: nullableString,
    name: v.string(),
    scope_type: v.string(),
    scope_value: nullableString,
    period: v.string(),
    custom_period_seconds: v.nullable(v.number()),
    period_anchor: v.nullable(isoTime),
    cap_usd: v.number(),
    soft_thresholds: v.array(v.number()),
    action: v.string(),
    downgrade_to: v.unknown(),
    fail_mode: v.string(),
    stale_after_ms: v.number(),
  });
  const rate = v.pipe(v.number(), v.minValue(0));
  /** USD per token; a null cache or reasoning rate falls back to input or output. */
  const priceOverride = object({
    org_id: v.string(),
    vendor: v.string(),
    model: v.string(),
    input: rate,
    output: rate,
    cache_read: v.nullable(rate),
    cache_write: v.nullable(rate),
    reasoning: v.nullable(rate),
  });
  return object({
    orgs: v.array(org),
    projects: v.array(project),
    api_keys: v.array(apiKey),
    providers: v.array(provider),
    routing_configs: v.array(routingConfig),
    budgets: v.array(budget),
    // Added after schema version 1 was first written: optional, so older snapshots (and older
    // writers) still read; the control plane always writes it. Readers see [] when absent.
    price_overrides: strict
      ? v.optional(v.array(priceOverride))
      : v.optional(v.array(priceOverride), []),
  });
}

export const snapshotBodyWriteSchema = bodyShape(true);
export const snapshotBodyReadSchema = bodyShape(false);

export type SnapshotBody = v.InferOutput<typeof snapshotBodyWriteSchema>;
export type SnapshotOrg = SnapshotBody["orgs"][number];
export type SnapshotProject = SnapshotBody["projects"][number];
export type SnapshotApiKey = SnapshotBody["api_keys"][number];
export type SnapshotProvider = SnapshotBody["providers"][number];
export type SnapshotRoutingConfig = SnapshotBody["routing_configs"][number];
export type SnapshotBudget = SnapshotBody["budgets"][number];
export type SnapshotPriceOverride = NonNullable<SnapshotBody["price_overrides"]>[number];
