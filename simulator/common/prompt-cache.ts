// Remembers prompt prefixes the simulator has seen, by a chained 64-bit hash, so the formats
// can report cache writes and reads the way the vendors do. Bounded so a long soak stays flat.

const MAX_ENTRIES = 200_000;

export class PromptCache {
  private seen = new Set<bigint>();

  has(prefixHash: bigint): boolean {
    return this.seen.has(prefixHash);
  }

  add(prefixHash: bigint): void {
    if (this.seen.size >= MAX_ENTRIES) this.seen.clear();
    this.seen.add(prefixHash);
  }

  clear(): void {
    this.seen.clear();
  }
}

/** Extends a prefix hash by one more piece of the prompt. */
export function extendPrefixHash(previous: bigint, piece: string): bigint {
  return Bun.hash.wyhash(piece, previous);
}

export function prefixHashSeed(label: string): bigint {
  return Bun.hash.wyhash(label);
}
