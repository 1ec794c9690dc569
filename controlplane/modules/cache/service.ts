// A cache purge for the fleet: first made durable in the bus's cache namespace (a marker, or the
// entry's deletion) so every data plane that follows the namespace applies it, then announced as
// a control event so every connected data plane drops the entries within a second.
import type { ControlEvent } from "#shared/bus/envelopes.ts";
import { type CachePurgeScope, writeCachePurge } from "#shared/cache/cache-purge.ts";
import type { ManagementServices } from "../../api/operation.ts";

export async function purgeCache(services: ManagementServices, request: CachePurgeScope) {
  const purgedAt = Date.now();
  const problems: string[] = [];
  let stored = false;
  const state = services.cacheState?.() ?? null;
  if (state === null) problems.push("the shared cache store is not reachable");
  else {
    try {
      await writeCachePurge(state, request, purgedAt);
      stored = true;
    } catch (error) {
      problems.push(`the shared cache store refused it (${(error as Error).message})`);
    }
  }
  let notified = false;
  const event: ControlEvent = {
    type: "cache.purge",
    org_id: request.orgId,
    project_id: request.projectId,
    purged_at: purgedAt,
    ...(request.configSlug === undefined ? {} : { config_slug: request.configSlug }),
    ...(request.entryId === undefined ? {} : { entry_id: request.entryId }),
  };
  try {
    await services.publishControl(event);
    notified = true;
  } catch (error) {
    problems.push(`the fleet was not told (${(error as Error).message})`);
  }
  if (problems.length > 0)
    services.log(`cache purge of ${request.projectId}: ${problems.join("; ")}`);
  return {
    project_id: request.projectId,
    config_slug: request.configSlug ?? null,
    entry_id: request.entryId ?? null,
    purged_at: new Date(purgedAt).toISOString(),
    fleet: { notified, stored, warning: problems.length > 0 ? problems.join("; ") : null },
  };
}
