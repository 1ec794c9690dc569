// The response cache for a passthrough endpoint's answers: embeddings (docs/caching.md,
// "Embeddings"). A config with `cache` keeps successful embeddings answers by exact key: the
// request's body as sent upstream (input, dimensions, encoding format and any other field), never
// the key, `user` or gateway fields. Semantic mode does not apply: an embeddings request is
// looked up by its exact key whatever the mode (an embedding of an embeddings request would
// answer a text with another text's vector). `mlx:cache` and `Cache-Control` are honoured as on
// chat; sampling does not apply (an embedding is deterministic). A hit is the stored answer read
// again through the endpoint's own filter, costs nothing, and the trace keeps what it saved.
import { type CanonicalUsage, emptyUsage } from "#shared/canonical/response.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import { canonicalJson } from "#shared/snapshot/canonical-json.ts";
import type { DataPlaneContext } from "../context.ts";
import type { ModeluxFields } from "../pipeline/request-context.ts";
import type { Attempt, RoutePlan } from "../routing/plan.ts";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";
import type { DecisionTrace } from "../trace/decision-trace.ts";
import { DEFAULT_DIRECTIVES } from "./cache-directives.ts";
import type { CacheEntry } from "./cache-entry.ts";

/** Body fields that say nothing about the answer (left out of the key). */
const NEUTRAL_FIELDS = new Set(["model", "user"]);
const KEY_VERSION = 1;

export interface PassthroughCacheInput {
  context: DataPlaneContext;
  config: RuntimeConfig;
  orgId: string;
  projectId: string;
  plan: RoutePlan;
  trace: DecisionTrace;
  fields: ModeluxFields;
  kind: "embeddings";
  /** The body as it goes upstream (mlx: fields already taken out). */
  body: Record<string, unknown>;
}

export type PassthroughLookup =
  | { kind: "hit"; entry: CacheEntry; header: "HIT" }
  | { kind: "fresh"; header: "MISS" | "SKIP"; store: PassthroughStore | null };

export type PassthroughStore = (
  answer: unknown,
  usage: CanonicalUsage | null,
  served: Attempt,
) => void;

/** Looks the request up when its config caches; null when it has no cache (`X-Modelux-Cache` absent). */
export async function lookupPassthroughCache(
  input: PassthroughCacheInput,
): Promise<PassthroughLookup | null> {
  const { plan, trace, config, projectId, orgId } = input;
  if (plan.config === null) return null;
  const settings = config.routes.configFor(projectId, plan.config.slug)?.cache;
  if (settings === undefined || settings === null) return null;
  const directives = input.fields.cache ?? DEFAULT_DIRECTIVES;
  const entryId = passthroughEntryId(input.kind, input.body, {
    projectId,
    configSlug: plan.config.slug,
    providerKeyHash: trace.provider_key?.hash ?? null,
  });
  const detail: NonNullable<DecisionTrace["cache_detail"]> = {
    mode: "exact",
    entry: entryId,
    stored: directives.write,
  };
  trace.cache_detail = detail;
  if (settings.mode === "semantic")
    detail.reason = "embeddings are looked up by exact key (semantic does not apply)";
  const store: PassthroughStore | null = directives.write
    ? (answer, usage, served) => {
        const now = Date.now();
        const entry: CacheEntry = {
          v: 1,
          kind: input.kind,
          project_id: projectId,
          config_slug: (plan.config as { slug: string }).slug,
          created_at: now,
          expires_at: now + settings.ttl_seconds * 1000,
          provider: served.provider.name,
          model: served.model,
          cost_usd: usage === null ? 0 : costUsd(usage, served.info.price),
          usage: usage ?? emptyUsage(),
          response: answer,
        };
        input.context.cache.store(orgId, entryId, entry);
      }
    : null;
  if (!directives.read) {
    trace.cache = "skip";
    detail.reason = directives.reason ?? "not read";
    return { kind: "fresh", header: "SKIP", store };
  }
  const exact = input.context.cache.exact(orgId, projectId, entryId);
  const found = exact instanceof Promise ? await exact : exact;
  if (found !== null && found.entry.kind === input.kind) {
    trace.cache = "hit";
    detail.stored = false;
    detail.age_ms = Math.max(0, trace.timestamp - found.entry.created_at);
    detail.saved_usd = found.entry.cost_usd;
    trace.decision.winner = found.entry.model;
    trace.decision.provider = found.entry.provider;
    trace.decision.reason = `cache hit (exact); ${plan.reason}`;
    // Nothing was paid: budgets settle at zero, the request log keeps what it saved.
    trace.cost_usd = 0;
    return { kind: "hit", entry: found.entry, header: "HIT" };
  }
  trace.cache = "miss";
  return { kind: "fresh", header: "MISS", store };
}

/** The entry's id in its project: the kind, the scope and the body's answer-bearing fields. */
export function passthroughEntryId(
  kind: string,
  body: Record<string, unknown>,
  scope: { projectId: string; configSlug: string; providerKeyHash: string | null },
): string {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body))
    if (!NEUTRAL_FIELDS.has(name)) fields[name] = value;
  const text = canonicalJson({
    v: KEY_VERSION,
    kind,
    project: scope.projectId,
    config: scope.configSlug,
    provider_key: scope.providerKeyHash,
    body: fields,
  });
  // `e` and 43 characters, as chat's exact keys: a purge names either alike.
  return `e${new Bun.CryptoHasher("sha256").update(text).digest("base64url")}`;
}
