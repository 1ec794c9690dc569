// How a response-cache purge is kept in the bus's "cache" namespace, written by the control plane
// (Management API) and read by every data plane's cache (dataplane/cache/): an entry is deleted;
// a whole project, or one config of it, gets a marker `purge/<project>[/<config>]` naming the
// time before which its entries are gone. Version 1; readers ignore fields they do not know.
import type { StateStore } from "../bus/state-store.ts";

export interface CachePurgeScope {
  orgId: string;
  projectId: string;
  configSlug?: string;
  /** One entry, by the key a decision trace names (`cache_detail.entry`). */
  entryId?: string;
}

export interface PurgeMarker {
  v: number;
  kind: "purge";
  project_id: string;
  config_slug?: string;
  /** Milliseconds since the epoch: entries created until then are purged. */
  purged_at: number;
}

/** The id an entry is stored under in its org: project, then the request's key. */
export const cacheEntryStateId = (projectId: string, entryId: string) => `${projectId}/${entryId}`;

/** A purge marker's id: the project's, or one config's. */
export const purgeMarkerStateId = (projectId: string, configSlug?: string) =>
  configSlug === undefined ? `purge/${projectId}` : `purge/${projectId}/${configSlug}`;

/** Writes the durable half of a purge; resolves once every data plane can read it. */
export async function writeCachePurge(
  state: StateStore,
  scope: CachePurgeScope,
  purgedAt: number,
): Promise<void> {
  const key = (id: string) => ({ orgId: scope.orgId, namespace: "cache" as const, id });
  if (scope.entryId !== undefined) {
    await state.delete(key(cacheEntryStateId(scope.projectId, scope.entryId)));
    return;
  }
  const marker: PurgeMarker = {
    v: 1,
    kind: "purge",
    project_id: scope.projectId,
    ...(scope.configSlug === undefined ? {} : { config_slug: scope.configSlug }),
    purged_at: purgedAt,
  };
  await state.put(key(purgeMarkerStateId(scope.projectId, scope.configSlug)), marker);
}
