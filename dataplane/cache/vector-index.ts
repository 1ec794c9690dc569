// One semantic partition's vectors on this node: an HNSW index (usearch, cosine metric, vectors
// kept quantized to int8) keyed by entry. Chosen and measured in bench/cache/cache.bench.ts
// (docs/performance.md, docs/caching.md): at 100,000 entries of 256 dimensions a lookup costs
// about half a millisecond of CPU and the index about 40 MB, where float16 costs twice both at the
// same recall, and a scan in JavaScript takes tens of milliseconds. Similarities it reports are
// the quantized vectors' (within about 0.01): ResponseCache rescores a candidate near the
// threshold against the entry's own float32 vector before serving it.
import { Index, MetricKind, ScalarKind } from "usearch";

export interface Nearest {
  key: string;
  /** Cosine similarity of the quantized vectors, -1..1. */
  similarity: number;
}

/** The index's settings (usearch: int8, cosine, 16 links per node, default expansions). */
const SETTINGS = {
  metric: MetricKind.Cos,
  quantization: ScalarKind.I8,
  connectivity: 16,
  // 0: the library's defaults (expansion 128 when adding, 64 when searching).
  expansion_add: 0,
  expansion_search: 0,
  multi: false,
} as const;
/**
 * One thread: a lookup or an add is one request's small job; usearch's default (0) hands each
 * call to a thread pool, which costs more than the search itself.
 */
const THREADS = 1;

export class VectorPartition {
  static readonly DESCRIPTION = "usearch HNSW, cosine, int8, connectivity 16, one thread";
  readonly #index: Index;
  // Labels are numbers here (small integers cost no allocation in a Map) and bigints only at the
  // library's boundary: two maps of 100,000 bigint keys would hold 200,000 heap objects.
  readonly #labels = new Map<string, number>();
  readonly #keys = new Map<number, string>();
  /** Where a stored vector is decoded for an exact similarity (reused: no allocation). */
  readonly #bytes: Buffer;
  readonly #floats: Float32Array;
  #next = 1;

  constructor(readonly dimensions: number) {
    this.#index = new Index({ dimensions, ...SETTINGS });
    this.#bytes = Buffer.alloc(dimensions * 4);
    this.#floats = new Float32Array(this.#bytes.buffer, this.#bytes.byteOffset, dimensions);
  }

  get size(): number {
    return this.#labels.size;
  }

  /** Adds or replaces the vector of `key`; a vector of another length is refused (false). */
  add(key: string, vector: Float32Array): boolean {
    if (vector.length !== this.dimensions) return false;
    this.remove(key);
    const label = this.#next++;
    this.#index.add(BigInt(label), vector, THREADS);
    this.#labels.set(key, label);
    this.#keys.set(label, key);
    return true;
  }

  remove(key: string): void {
    const label = this.#labels.get(key);
    if (label === undefined) return;
    this.#index.remove(BigInt(label));
    this.#labels.delete(key);
    this.#keys.delete(label);
  }

  /** The closest entries, best first (a few, so one that went stale can be passed over). */
  nearest(vector: Float32Array, count = 3): Nearest[] {
    const size = this.#labels.size;
    if (vector.length !== this.dimensions || size === 0) return [];
    // A Float32Array goes to the index as is (no copy); only the few matches are allocated.
    const matches = this.#index.search(vector, Math.min(count, size), THREADS);
    const found: Nearest[] = [];
    const { keys, distances } = matches;
    for (let index = 0; index < keys.length; index++) {
      const key = this.#keys.get(Number(keys[index]));
      if (key !== undefined) found.push({ key, similarity: 1 - (distances[index] as number) });
    }
    return found;
  }

  /**
   * The exact cosine similarity of `query` and a stored entry's vector (base64 of little-endian
   * float32, as cache entries keep it); null when it is not a vector of this partition's size.
   */
  exactSimilarity(query: Float32Array, stored: string): number | null {
    const length = this.dimensions * 4;
    if (query.length !== this.dimensions || stored.length !== 4 * Math.ceil(length / 3))
      return null;
    if (this.#bytes.write(stored, 0, "base64") !== length) return null;
    const floats = this.#floats;
    let dot = 0;
    let queryNorm = 0;
    let storedNorm = 0;
    for (let index = 0; index < query.length; index++) {
      const a = query[index] as number;
      const b = floats[index] as number;
      dot += a * b;
      queryNorm += a * a;
      storedNorm += b * b;
    }
    if (queryNorm === 0 || storedNorm === 0) return 0;
    return dot / Math.sqrt(queryNorm * storedNorm);
  }
}
