// Reproducible randomness for replay: a seed from the experiment's definition, small seeded
// generators for each use (routing's own draws, outcome draws), so the same definition gives
// the same numbers on every run and every machine.

import { mulberry32 } from "#shared/random/mulberry32.ts";

/** FNV-1a, 32 bits: a stable hash of a string (unlike Bun.hash, fixed by its definition). */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: uniform in [0, 1), 2^32 period, enough for 50,000 requests. */
export const seededRandom: (seed: number) => () => number = mulberry32;
