// Seeded randomness: the same request must give the same answer, so every choice the
// simulator makes about content comes from a generator seeded by a hash of the request.

import { mulberry32 } from "#shared/random/mulberry32.ts";

export type Random = {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [minimum, maximum], both included. */
  between(minimum: number, maximum: number): number;
  pick<T>(items: readonly T[]): T;
};

export function seedOf(text: string): number {
  return Bun.hash.xxHash32(text);
}

/** mulberry32: tiny, fast and good enough for picking words. */
export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  return {
    next,
    between: (minimum, maximum) => minimum + Math.floor(next() * (maximum - minimum + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Ids look like the vendors' (`chatcmpl-…`, `msg_…`) and differ on every response. */
export function randomId(prefix: string, length = 24): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let id = prefix;
  for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

/** Printable pseudo-random bytes for opaque fields such as thinking signatures. */
export function seededBase64(random: Random, byteCount: number): string {
  const bytes = new Uint8Array(byteCount);
  for (let index = 0; index < byteCount; index++) bytes[index] = random.between(0, 255);
  return Buffer.from(bytes).toString("base64");
}
