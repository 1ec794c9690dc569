// What a data plane's request handlers share: the current config and the fleet's revocations.
import type { SnapshotLoader } from "./snapshot/snapshot-loader.ts";

export interface DataPlaneContext {
  readonly nodeId: string;
  readonly loader: SnapshotLoader;
  /** Keys revoked by control event since the current snapshot was compiled. */
  readonly revokedKeyHashes: Set<string>;
}
