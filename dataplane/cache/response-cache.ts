// This node's view of the fleet's response cache (docs/caching.md). Entries live in the bus's
// "cache" namespace; a watch on it feeds every node every entry as it is written, so a lookup is
// a local read: a bounded in-memory first level (LRU by bytes, each entry expiring with its ttl)
// and, for semantic configs, a vector index per partition. An entry the first level had to evict
// is still known by key: a lookup that lands on one reads it back from the bus (one round trip,
// only for an entry known to exist). Purges arrive as control events (at once) and as markers in
// the namespace (for a node that missed the event).
import { LRUCache } from "lru-cache";
import type { StateChange, StateStore, StateWatch } from "#shared/bus/state-store.ts";
import {
  type CachePurgeScope,
  cacheEntryStateId as entryStateId,
  writeCachePurge,
} from "#shared/cache/cache-purge.ts";
import { type CacheEntry, decodeVector, readStoredValue } from "./cache-entry.ts";
import { VectorPartition } from "./vector-index.ts";

/** The first level's default size: JSON bytes of the entries held. */
export const DEFAULT_CACHE_MEMORY_BYTES = 64 * 1024 * 1024;
/** How far under the threshold an index similarity may be and still be rescored exactly. */
const RESCORE_MARGIN = 0.02;
/** Entries evicted from the first level whose keys are still remembered. */
const MAX_EVICTED_KEYS = 200_000;

interface Held {
  orgId: string;
  stateId: string;
  entry: CacheEntry;
}

interface Evicted {
  orgId: string;
  stateId: string;
  expiresAt: number;
  partition: string | null;
}

export interface Found {
  entry: CacheEntry;
  /** Semantic hits: the cosine similarity of the stored conversation; null for exact hits. */
  similarity: number | null;
}

export type PurgeScope = CachePurgeScope;

export interface ResponseCacheOptions {
  state: StateStore;
  maxBytes?: number;
  now?: () => number;
  log?: (message: string) => void;
}

export class ResponseCache {
  readonly #state: StateStore;
  readonly #now: () => number;
  readonly #log: (message: string) => void;
  readonly #entries: LRUCache<string, Held>;
  readonly #evicted = new Map<string, Evicted>();
  readonly #purges = new Map<string, number>();
  readonly #partitions = new Map<string, VectorPartition>();
  #watch: StateWatch | null = null;
  #storeFailures = 0;

  constructor(options: ResponseCacheOptions) {
    this.#state = options.state;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => {});
    this.#entries = new LRUCache<string, Held>({
      maxSize: options.maxBytes ?? DEFAULT_CACHE_MEMORY_BYTES,
      sizeCalculation: (held) => approximateBytes(held.entry),
      perf: { now: this.#now },
      dispose: (held, key, reason) => this.#disposed(held, key, reason),
    });
  }

  /** Entries held in memory now, and their approximate bytes. */
  get stats(): { entries: number; bytes: number; evictedKeys: number; indexed: number } {
    let indexed = 0;
    for (const partition of this.#partitions.values()) indexed += partition.size;
    return {
      entries: this.#entries.size,
      bytes: this.#entries.calculatedSize,
      evictedKeys: this.#evicted.size,
      indexed,
    };
  }

  /** Starts feeding from `store`'s cache namespace (every org), replacing an earlier feed. */
  async follow(store: StateStore = this.#state): Promise<void> {
    const previous = this.#watch;
    this.#watch = await store.watch("cache", (change) => this.#apply(change));
    await previous?.stop();
  }

  async stop(): Promise<void> {
    await this.#watch?.stop();
    this.#watch = null;
  }

  /** The exact entry, from memory; a promise only for an entry evicted from memory. */
  exact(orgId: string, projectId: string, entryId: string): Found | null | Promise<Found | null> {
    const key = memoryKey(orgId, entryStateId(projectId, entryId));
    const held = this.#entries.get(key);
    if (held !== undefined)
      return this.#live(held) ? { entry: held.entry, similarity: null } : null;
    const evicted = this.#evicted.get(key);
    if (evicted === undefined) return null;
    return this.#readBack(key, evicted).then((entry) =>
      entry === null ? null : { entry, similarity: null },
    );
  }

  /**
   * The most similar live entry of the partition at or above `threshold`, or null. The index's
   * similarities are its quantized vectors' (within about 0.01): a candidate within
   * RESCORE_MARGIN of the threshold is rescored against the entry's own vector, and that exact
   * similarity decides and is reported.
   */
  async semantic(
    orgId: string,
    partitionId: string,
    vector: Float32Array,
    threshold: number,
  ): Promise<Found | null> {
    const partition = this.#partitions.get(memoryKey(orgId, partitionId));
    if (partition === undefined) return null;
    for (const nearest of partition.nearest(vector)) {
      if (nearest.similarity < threshold - RESCORE_MARGIN) return null;
      let entry: CacheEntry | null = null;
      const held = this.#entries.get(nearest.key);
      if (held !== undefined && this.#live(held)) entry = held.entry;
      else {
        const evicted = this.#evicted.get(nearest.key);
        if (evicted !== undefined) entry = await this.#readBack(nearest.key, evicted);
      }
      if (entry === null) continue;
      const similarity =
        entry.vector === undefined
          ? nearest.similarity
          : (partition.exactSimilarity(vector, entry.vector) ?? nearest.similarity);
      if (similarity >= threshold) return { entry, similarity };
    }
    return null;
  }

  /**
   * Keeps an answer: in this node's memory at once, then on the bus for the fleet (in the
   * background; a bus that cannot take it leaves the entry local, with a log line).
   */
  store(orgId: string, entryId: string, entry: CacheEntry): void {
    const stateId = entryStateId(entry.project_id, entryId);
    this.#hold(orgId, stateId, entry);
    const ttlMs = entry.expires_at - this.#now();
    if (ttlMs <= 0) return;
    this.#state.put({ orgId, namespace: "cache", id: stateId }, entry, { ttlMs }).then(
      () => {
        this.#storeFailures = 0;
      },
      (error) => {
        if (this.#storeFailures++ % 100 === 0)
          this.#log(`response cache: an entry stayed local (${(error as Error).message})`);
      },
    );
  }

  /**
   * A purge as the control event names it, on this node now: a whole project, one config, or one
   * entry. Entries written before it are gone from memory and the index.
   */
  purge(scope: PurgeScope, purgedAt = this.#now()): number {
    if (scope.entryId !== undefined) {
      const key = memoryKey(scope.orgId, entryStateId(scope.projectId, scope.entryId));
      const had = this.#entries.has(key) || this.#evicted.has(key);
      this.#forget(key);
      return had ? 1 : 0;
    }
    const purgeKey = purgeMapKey(scope.orgId, scope.projectId, scope.configSlug);
    this.#purges.set(purgeKey, Math.max(this.#purges.get(purgeKey) ?? 0, purgedAt));
    let dropped = 0;
    for (const [key, held] of this.#entries.entries())
      if (held.orgId === scope.orgId && this.#purged(held.orgId, held.entry)) {
        this.#forget(key);
        dropped++;
      }
    for (const [key, evicted] of this.#evicted)
      if (evicted.orgId === scope.orgId && evicted.stateId.startsWith(`${scope.projectId}/`)) {
        // Evicted entries are read back through the purge check; configs need the entry itself.
        if (scope.configSlug === undefined) this.#forget(key);
      }
    return dropped;
  }

  /** The durable half of a purge (shared/cache/cache-purge.ts), as the control plane writes it. */
  static writePurge(state: StateStore, scope: PurgeScope, purgedAt: number): Promise<void> {
    return writeCachePurge(state, scope, purgedAt);
  }

  #apply(change: StateChange): void {
    const key = memoryKey(change.orgId, change.id);
    if (change.value === null) {
      this.#forget(key);
      return;
    }
    const stored = readStoredValue(change.value);
    if (stored === null) return;
    if (stored.kind === "purge") {
      this.purge(
        {
          orgId: change.orgId,
          projectId: stored.project_id,
          ...(stored.config_slug === undefined ? {} : { configSlug: stored.config_slug }),
        },
        stored.purged_at,
      );
      return;
    }
    const held = this.#entries.peek(key);
    if (held !== undefined && held.entry.created_at === stored.created_at) return;
    this.#hold(change.orgId, change.id, stored);
  }

  #hold(orgId: string, stateId: string, entry: CacheEntry): void {
    const ttl = entry.expires_at - this.#now();
    if (ttl <= 0 || this.#purged(orgId, entry)) return;
    const key = memoryKey(orgId, stateId);
    this.#evicted.delete(key);
    this.#entries.set(key, { orgId, stateId, entry }, { ttl });
    if (entry.partition !== undefined && entry.vector !== undefined) {
      const vector = decodeVector(entry.vector);
      if (vector === null) return;
      const partitionKey = memoryKey(orgId, entry.partition);
      let partition = this.#partitions.get(partitionKey);
      if (partition === undefined || partition.dimensions !== vector.length) {
        partition = new VectorPartition(vector.length);
        this.#partitions.set(partitionKey, partition);
      }
      partition.add(key, vector);
    }
  }

  #live(held: Held): boolean {
    return held.entry.expires_at > this.#now() && !this.#purged(held.orgId, held.entry);
  }

  #purged(orgId: string, entry: CacheEntry): boolean {
    const project = this.#purges.get(purgeMapKey(orgId, entry.project_id));
    if (project !== undefined && entry.created_at <= project) return true;
    const config = this.#purges.get(purgeMapKey(orgId, entry.project_id, entry.config_slug));
    return config !== undefined && entry.created_at <= config;
  }

  async #readBack(key: string, evicted: Evicted): Promise<CacheEntry | null> {
    if (evicted.expiresAt <= this.#now()) {
      this.#forget(key);
      return null;
    }
    try {
      const value = await this.#state.get({
        orgId: evicted.orgId,
        namespace: "cache",
        id: evicted.stateId,
      });
      const stored = readStoredValue(value);
      if (stored === null || stored.kind === "purge" || this.#purged(evicted.orgId, stored)) {
        this.#forget(key);
        return null;
      }
      this.#hold(evicted.orgId, evicted.stateId, stored);
      return stored;
    } catch {
      // The bus cannot answer now: a miss, the request goes upstream.
      return null;
    }
  }

  #forget(key: string): void {
    this.#entries.delete(key);
    const evicted = this.#evicted.get(key);
    if (evicted !== undefined) {
      this.#evicted.delete(key);
      if (evicted.partition !== null)
        this.#partitions.get(memoryKey(evicted.orgId, evicted.partition))?.remove(key);
    }
  }

  #disposed(held: Held, key: string, reason: LRUCache.DisposeReason): void {
    if (reason === "set") return;
    const partition = held.entry.partition ?? null;
    if (reason === "evict") {
      // Still on the bus: remembered (and still indexed) so a lookup can read it back.
      this.#evicted.set(key, {
        orgId: held.orgId,
        stateId: held.stateId,
        expiresAt: held.entry.expires_at,
        partition,
      });
      if (this.#evicted.size > MAX_EVICTED_KEYS) {
        const oldest = this.#evicted.keys().next().value;
        if (oldest !== undefined) this.#forget(oldest);
      }
      return;
    }
    if (partition !== null) this.#partitions.get(memoryKey(held.orgId, partition))?.remove(key);
  }
}

const memoryKey = (orgId: string, id: string) => `${orgId}\u0000${id}`;

const purgeMapKey = (orgId: string, projectId: string, configSlug?: string) =>
  configSlug === undefined
    ? `${orgId}\u0000${projectId}`
    : `${orgId}\u0000${projectId}\u0000${configSlug}`;

/** What an entry costs the first level: its answer's and vector's text, plus bookkeeping. */
function approximateBytes(entry: CacheEntry): number {
  return JSON.stringify(entry.response).length + (entry.vector?.length ?? 0) + 512;
}
