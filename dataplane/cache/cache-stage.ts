// The response cache as a stage of the generation pipeline (DESIGN §4 step 6, docs/caching.md):
// after routing, `lookupCache` decides whether the request may use the cache (the config's
// `cache`, the request's `mlx:cache` / `Cache-Control`, sampling and tool opt-ins), and looks
// the answer up (exact key; then, for semantic configs, the conversation's embedding). A hit is
// answered by `answerFromCache` in the caller's shape; after a miss, `storeInCache` keeps a copy
// of the upstream's successful answer (a stream stitched on the side) without holding it up.
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import type { CacheConfig } from "#shared/routing/config-schema.ts";
import { DEFAULT_SIMILARITY_THRESHOLD } from "#shared/routing/config-schema.ts";
import type { PlanAnswer } from "../pipeline/execute-plan.ts";
import type { Generation } from "../pipeline/generation.ts";
import type { RoutePlan } from "../routing/plan.ts";
import { DEFAULT_DIRECTIVES } from "./cache-directives.ts";
import { type CacheEntry, encodeVector } from "./cache-entry.ts";
import { embedConversation } from "./embed-conversation.ts";
import { type CacheScope, requestIdentity } from "./request-key.ts";
import type { Found } from "./response-cache.ts";
import { stitchStream } from "./stitch-stream.ts";

export { answerFromCache } from "./answer-from-cache.ts";

/** The surfaces whose answers the cache keeps (Responses keeps state of its own). */
const CACHED_SURFACES = new Set(["openai", "anthropic"]);
/** Why a request of the Responses API under a caching config was neither looked up nor stored. */
export const UNCACHED_SURFACE_REASON =
  "the Responses API is not cached (its answers are stored resources of their own)";
/** Stop reasons of an answer worth serving again. */
const STORED_STOPS = new Set(["end_turn", "max_tokens", "stop_sequence", "refusal", "tool_use"]);

/** What the lookup decided, for the store after a miss and the response's header. */
interface CacheState {
  header: "MISS" | "SKIP";
  write: boolean;
  settings: CacheConfig;
  scope: CacheScope;
  entryId: string;
  partitionId: string | null;
  vector: Float32Array | null;
}

const states = new WeakMap<Generation, CacheState>();

export interface CacheHit extends Found {
  entryId: string;
}

/** The config's cache settings for this request, or null when it has none. */
function settingsOf(generation: Generation, plan: RoutePlan): CacheConfig | null {
  if (plan.config === null) return null;
  return (
    generation.config.routes.configFor(generation.key.projectId, plan.config.slug)?.cache ?? null
  );
}

export async function lookupCache(
  generation: Generation,
  plan: RoutePlan,
): Promise<CacheHit | null> {
  const settings = settingsOf(generation, plan);
  const { trace, canonical } = generation;
  if (settings === null || plan.config === null) {
    trace.cache = "off";
    return null;
  }
  const detail: NonNullable<typeof trace.cache_detail> = { mode: settings.mode };
  trace.cache_detail = detail;
  const skip = (reason: string): null => {
    trace.cache = "skip";
    detail.reason = reason;
    return null;
  };
  // The config caches but this API is not: said (SKIP, with the reason), not left silent.
  if (!CACHED_SURFACES.has(generation.binding.name)) {
    detail.stored = false;
    return skip(UNCACHED_SURFACE_REASON);
  }
  const sampled = canonical.temperature === undefined || canonical.temperature > 0;
  if (sampled && settings.allow_sampled !== true)
    return skip(
      canonical.temperature === undefined
        ? "temperature unset (sampled); the config does not allow_sampled"
        : "temperature above 0; the config does not allow_sampled",
    );
  const scope: CacheScope = {
    orgId: generation.key.orgId,
    projectId: generation.key.projectId,
    configSlug: plan.config.slug,
    providerKeyHash: trace.provider_key?.hash ?? null,
  };
  const identity = requestIdentity(canonical, scope);
  if (!identity.cacheable) return skip(identity.reason);
  const directives = generation.fields.cache ?? DEFAULT_DIRECTIVES;
  // Semantic needs the stored credential's embedding call: a request on the caller's own keys
  // looks up and stores by exact key only (docs/caching.md).
  const semantic = settings.mode === "semantic" && scope.providerKeyHash === null;
  const state: CacheState = {
    header: "MISS",
    write: directives.write,
    settings,
    scope,
    entryId: identity.exactId,
    partitionId: semantic ? identity.partitionId : null,
    vector: null,
  };
  if (directives.write) states.set(generation, state);
  detail.entry = identity.exactId;
  detail.stored = directives.write;
  if (!directives.read) {
    state.header = "SKIP";
    if (semantic && directives.write) state.vector = await embed(generation, settings, plan);
    return skip(directives.reason ?? "not read");
  }
  const cache = generation.context.cache;
  const exact = cache.exact(scope.orgId, scope.projectId, identity.exactId);
  const found = exact instanceof Promise ? await exact : exact;
  if (found) return hit(generation, { ...found, entryId: identity.exactId });
  if (semantic) {
    const vector = await embed(generation, settings, plan);
    state.vector = vector;
    if (vector !== null) {
      const threshold = settings.similarity_threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
      const near = await cache.semantic(scope.orgId, identity.partitionId, vector, threshold);
      if (near) return hit(generation, { ...near, entryId: identity.exactId });
    }
  }
  trace.cache = "miss";
  return null;
}

function embed(generation: Generation, settings: CacheConfig, plan: RoutePlan) {
  const compiled = plan.config
    ? generation.config.routes.configFor(generation.key.projectId, plan.config.slug)
    : undefined;
  return embedConversation(
    generation,
    generation.canonical,
    settings,
    compiled?.embeddingDimensions ?? null,
  );
}

function hit(generation: Generation, found: CacheHit): CacheHit {
  states.delete(generation);
  const { trace } = generation;
  trace.cache = "hit";
  const detail = trace.cache_detail;
  if (detail) {
    detail.stored = false;
    detail.age_ms = Math.max(0, generation.arrivedAtMs - found.entry.created_at);
    detail.saved_usd = found.entry.cost_usd;
    if (found.similarity !== null) detail.similarity = round(found.similarity);
  }
  return found;
}

/** `X-Modelux-Cache` on an answer that did not come from the cache. */
export function markCache(generation: Generation, response: Response): Response {
  const cache = generation.trace.cache;
  if (cache === "miss" || cache === "skip")
    response.headers.set("x-modelux-cache", cache === "miss" ? "MISS" : "SKIP");
  return response;
}

/**
 * After a miss (or a fresh read): the answer as the client will get it, with a copy read on the
 * side into the cache once it completed successfully. A stream is teed: the client's side is
 * never held back by the copy.
 */
export function storeInCache(generation: Generation, answer: PlanAnswer): PlanAnswer {
  const state = states.get(generation);
  if (state === undefined || !state.write) return answer;
  states.delete(generation);
  if (answer.kind === "composed") {
    keep(generation, state, answer.response, answer.served);
    return answer;
  }
  const served = answer.attempt;
  const upstream = answer.response;
  if (generation.canonical.stream) {
    if (upstream.body === null) return answer;
    const [client, copy] = upstream.body.tee();
    stitchStream(answer.adapter.parseStream(copy, served))
      .then((response) => response && keep(generation, state, response, served))
      .catch(() => {});
    const teed = new Response(client, { status: upstream.status, headers: upstream.headers });
    return { ...answer, response: teed };
  }
  upstream
    .clone()
    .json()
    .then((json) =>
      keep(generation, state, answer.adapter.parseResponse(json, served).value, served),
    )
    .catch(() => {});
  return answer;
}

function keep(
  generation: Generation,
  state: CacheState,
  response: CanonicalResponse,
  served: {
    provider: { name: string };
    model: string;
    info: { price: Parameters<typeof costUsd>[1] };
  },
): void {
  if (!STORED_STOPS.has(response.stopReason)) return;
  const callsTools = response.content.some((block) => block.type === "tool-use");
  if (callsTools && state.settings.allow_tool_calls !== true) return;
  if (response.content.length === 0) return;
  const now = Date.now();
  const entry: CacheEntry = {
    v: 1,
    kind: "generation",
    project_id: state.scope.projectId,
    config_slug: state.scope.configSlug,
    created_at: now,
    expires_at: now + state.settings.ttl_seconds * 1000,
    provider: served.provider.name,
    model: served.model,
    cost_usd: costUsd(response.usage, served.info.price),
    usage: response.usage,
    response,
  };
  if (state.partitionId !== null && state.vector !== null) {
    entry.partition = state.partitionId;
    entry.vector = encodeVector(state.vector);
  }
  generation.context.cache.store(state.scope.orgId, state.entryId, entry);
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
