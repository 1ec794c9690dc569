// Routing configs ordered so that a config comes after every `@slug` it names: the order they can
// be saved in (the control plane refuses a reference to a config that does not exist yet).
import { configSlugOf, targetsOf } from "#shared/routing/targets.ts";
import { validateRoutingConfig } from "#shared/routing/validate.ts";
import type { RoutingConfigEntry } from "../config-file/schema.ts";

function referencedSlugs(entry: RoutingConfigEntry): string[] {
  const result = validateRoutingConfig(entry.config);
  if (!result.ok) return [];
  return targetsOf(result.config).flatMap((target) => configSlugOf(target.model) ?? []);
}

export function configOrder(entries: readonly RoutingConfigEntry[]): RoutingConfigEntry[] {
  const bySlug = new Map(entries.map((entry) => [entry.slug, entry]));
  const ordered: RoutingConfigEntry[] = [];
  const visited = new Set<string>();
  const visit = (entry: RoutingConfigEntry) => {
    // A cycle is the control plane's to refuse; here it only stops the walk.
    if (visited.has(entry.slug)) return;
    visited.add(entry.slug);
    for (const slug of referencedSlugs(entry)) {
      const referenced = bySlug.get(slug);
      if (referenced) visit(referenced);
    }
    ordered.push(entry);
  };
  for (const entry of entries) visit(entry);
  return ordered;
}
