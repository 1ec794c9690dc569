// ab_test: a variant drawn by weight from a hash of the sticky key, so the same user (or
// conversation) lands on the same variant on every data plane, and a request key spreads
// requests independently.

/** 32-bit FNV-1a; fast, and well spread for short keys. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche (murmur3's fmix32) so nearby keys ("user-1", "user-2") spread evenly.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Position in [0, 1) for `key` within the config `slug`. */
export function stickyPoint(slug: string, key: string): number {
  return fnv1a(`${slug}\u0000${key}`) / 4_294_967_296;
}

/** The index of the variant whose cumulative weight covers `point × total`. */
export function pickVariant(
  weights: readonly { weight: number }[],
  total: number,
  point: number,
): number {
  let remaining = point * total;
  for (let index = 0; index < weights.length; index++) {
    remaining -= (weights[index] as { weight: number }).weight;
    if (remaining < 0) return index;
  }
  return weights.length - 1;
}

export interface StickyKeys {
  user: string | null;
  conversation: string | null;
  requestId: string;
}

/**
 * The key a variant is drawn from, and what it was. A missing user (or conversation) falls
 * back to the other, then to the request: such requests are split, not stuck to one variant.
 */
export function stickyKey(
  sticky: "user" | "conversation" | "request",
  keys: StickyKeys,
): { key: string; by: "user" | "conversation" | "request" } {
  if (sticky === "user" && keys.user) return { key: `u:${keys.user}`, by: "user" };
  if (sticky === "conversation" && keys.conversation)
    return { key: `c:${keys.conversation}`, by: "conversation" };
  if (sticky !== "request") {
    if (keys.user) return { key: `u:${keys.user}`, by: "user" };
    if (keys.conversation) return { key: `c:${keys.conversation}`, by: "conversation" };
  }
  return { key: `r:${keys.requestId}`, by: "request" };
}
