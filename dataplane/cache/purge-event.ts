// A `cache.purge` control event (DESIGN §8) applied to this node's cache: a project, one of its
// configs, or one entry, gone from memory at once. The marker the control plane wrote into the
// shared store before announcing it does the same for a node that missed the event.
import type { ControlEvent } from "#shared/bus/envelopes.ts";
import type { ResponseCache } from "./response-cache.ts";

export function applyPurgeEvent(
  cache: ResponseCache,
  event: Extract<ControlEvent, { type: "cache.purge" }>,
): number {
  if (event.org_id === undefined) return 0;
  return cache.purge(
    {
      orgId: event.org_id,
      projectId: event.project_id,
      ...(event.config_slug === undefined ? {} : { configSlug: event.config_slug }),
      ...(event.entry_id === undefined ? {} : { entryId: event.entry_id }),
    },
    event.purged_at,
  );
}
