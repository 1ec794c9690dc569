// Purging a project's response cache (docs/caching.md): the whole project, one routing config's
// entries, or one entry by the key the decision trace names (`cache_detail.entry`).
import * as v from "valibot";
import { timestampSchema } from "../../api/schemas.ts";

export const purgeCacheBody = v.strictObject({
  config_slug: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^@?[a-z0-9][a-z0-9_-]{0,62}$/, "must be the slug of a routing config"),
      v.description("Only this routing config's entries (`@` optional)."),
    ),
  ),
  entry_id: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^e[A-Za-z0-9_-]{43}$/,
        "must be an entry key as a trace's cache_detail.entry names it",
      ),
      v.description("Only this entry: the key in a decision trace's `cache_detail.entry`."),
    ),
  ),
});

export const purgedCacheView = v.object({
  project_id: v.string(),
  config_slug: v.nullable(v.string()),
  entry_id: v.nullable(v.string()),
  purged_at: timestampSchema,
  fleet: v.object({
    notified: v.pipe(
      v.boolean(),
      v.description("Every data plane was told at once (the control event reached the bus)."),
    ),
    stored: v.pipe(
      v.boolean(),
      v.description(
        "The purge is kept in the shared cache store, so a data plane that missed the event " +
          "(or starts later) applies it too.",
      ),
    ),
    warning: v.nullable(v.string()),
  }),
});
