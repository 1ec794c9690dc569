// The data plane's immutable view of a snapshot, compiled once per snapshot: the snapshot's
// tables (snapshot-tables.ts) and the route table compiled from them, every routing config
// (CEL included) compiled before the first request. Swapped in one assignment by the loader.
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import { RouteTable } from "../routing/route-table.ts";
import { compileSnapshotTables, type SnapshotTables } from "./snapshot-tables.ts";

export {
  orgScopedKey,
  priceOverrideKey,
  type RuntimeApiKey,
  RuntimeConfigError,
  type RuntimeProvider,
  routingConfigKey,
  type SnapshotTables,
} from "./snapshot-tables.ts";

export interface RuntimeConfig extends SnapshotTables {
  /** Every routing config of the snapshot, compiled; direct model names resolved on demand. */
  readonly routes: RouteTable;
}

export function compileRuntimeConfig(
  meta: { version: number; sha256: string; createdAt: string },
  body: SnapshotBody,
  secretBox: SecretBox,
): RuntimeConfig {
  const tables = compileSnapshotTables(meta, body, secretBox);
  // The same object, completed before anyone sees it: per-snapshot caches keyed by it (model
  // prices) are shared between routing and the rest of the pipeline.
  return Object.assign(tables, { routes: new RouteTable(tables) });
}
