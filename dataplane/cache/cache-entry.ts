// A response-cache entry as stored in the bus's "cache" namespace (version 1): the canonical
// answer (rendered into whichever surface asks), what answered it and what it cost, and for
// semantic configs the conversation's embedding so every node can index it. A purge marker lives
// in the same namespace, so a node that missed the purge's control event still learns it from the
// watch. Written strictly, read leniently: fields a newer writer adds are ignored.
import * as v from "valibot";
import type { PurgeMarker } from "#shared/cache/cache-purge.ts";
import type { CanonicalResponse, CanonicalUsage } from "#shared/canonical/response.ts";

export const CACHE_ENTRY_VERSION = 1;

export interface CacheEntry {
  v: number;
  kind: "generation" | "embeddings";
  project_id: string;
  config_slug: string;
  /** Semantic entries: the partition their vector is searched in. */
  partition?: string;
  /** Milliseconds since the epoch, by the writer's clock. */
  created_at: number;
  expires_at: number;
  /** What answered it (provider name and model). */
  provider: string;
  model: string;
  /** What the upstream call cost: what a hit saves. */
  cost_usd: number;
  usage: CanonicalUsage;
  /** Generation: the canonical response; embeddings: the answer as the OpenAI surface sent it. */
  response: unknown;
  /** Semantic entries: the embedding, base64 of little-endian float32. */
  vector?: string;
}

const usageSchema = v.object({
  inputTokens: v.number(),
  outputTokens: v.number(),
  cacheReadTokens: v.optional(v.number(), 0),
  cacheWriteTokens: v.optional(v.number(), 0),
  reasoningTokens: v.optional(v.number(), 0),
});

const entrySchema = v.looseObject({
  v: v.pipe(v.number(), v.minValue(1)),
  kind: v.picklist(["generation", "embeddings"]),
  project_id: v.string(),
  config_slug: v.string(),
  partition: v.optional(v.string()),
  created_at: v.number(),
  expires_at: v.number(),
  provider: v.string(),
  model: v.string(),
  cost_usd: v.number(),
  usage: usageSchema,
  response: v.unknown(),
  vector: v.optional(v.string()),
});

const markerSchema = v.looseObject({
  v: v.pipe(v.number(), v.minValue(1)),
  kind: v.literal("purge"),
  project_id: v.string(),
  config_slug: v.optional(v.string()),
  purged_at: v.number(),
});

const canonicalResponseSchema = v.looseObject({
  id: v.string(),
  model: v.string(),
  content: v.array(v.looseObject({ type: v.string() })),
  stopReason: v.string(),
});

/** A stored value read back: an entry, a purge marker, or null for anything else. */
export function readStoredValue(value: unknown): CacheEntry | PurgeMarker | null {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === "purge") {
    const marker = v.safeParse(markerSchema, value);
    return marker.success ? (marker.output as PurgeMarker) : null;
  }
  const entry = v.safeParse(entrySchema, value);
  if (!entry.success) return null;
  if (entry.output.kind === "generation" && !v.is(canonicalResponseSchema, entry.output.response))
    return null;
  return entry.output as CacheEntry;
}

export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");
}

export function decodeVector(text: string): Float32Array | null {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length === 0 || bytes.length % 4 !== 0) return null;
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}

export const isCanonicalResponse = (value: unknown): value is CanonicalResponse =>
  v.is(canonicalResponseSchema, value);
