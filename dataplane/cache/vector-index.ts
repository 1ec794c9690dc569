// One semantic partition's vectors on this node: an HNSW index (usearch, cosine metric, vectors
// kept as float16) keyed by entry. Chosen and measured in bench/cache/cache.bench.ts
// (docs/performance.md): lookups stay in the low milliseconds at 100,000 entries, where a scan
// in JavaScript takes tens.
import { Index, MetricKind, ScalarKind } from "usearch";

export interface Nearest {
  key: string;
  /** Cosine similarity, -1..1. */
  similarity: number;
}

export class VectorPartition {
  readonly #index: Index;
  readonly #labels = new Map<string, bigint>();
  readonly #keys = new Map<bigint, string>();
  #next = 1n;

  constructor(readonly dimensions: number) {
    this.#index = new Index({
      dimensions,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F16,
      connectivity: 16,
      // 0: the library's defaults (expansion 128 when adding, 64 when searching).
      expansion_add: 0,
      expansion_search: 0,
      multi: false,
    });
  }

  get size(): number {
    return this.#labels.size;
  }

  /** Adds or replaces the vector of `key`; a vector of another length is refused (false). */
  add(key: string, vector: Float32Array): boolean {
    if (vector.length !== this.dimensions) return false;
    this.remove(key);
    const label = this.#next++;
    this.#index.add(label, vector);
    this.#labels.set(key, label);
    this.#keys.set(label, key);
    return true;
  }

  remove(key: string): void {
    const label = this.#labels.get(key);
    if (label === undefined) return;
    this.#index.remove(label);
    this.#labels.delete(key);
    this.#keys.delete(label);
  }

  /** The closest entries, best first (a few, so one that went stale can be passed over). */
  nearest(vector: Float32Array, count = 3): Nearest[] {
    if (vector.length !== this.dimensions || this.#labels.size === 0) return [];
    const matches = this.#index.search(vector, Math.min(count, this.#labels.size), 0);
    const found: Nearest[] = [];
    for (let index = 0; index < matches.keys.length; index++) {
      const key = this.#keys.get(matches.keys[index] as bigint);
      if (key !== undefined) found.push({ key, similarity: 1 - Number(matches.distances[index]) });
    }
    return found;
  }
}
