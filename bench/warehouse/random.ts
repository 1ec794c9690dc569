// Seeded draws on the JavaScript side (orgs, projects, routes, traffic shape): the same seed
// gives the same dataset.

import { mulberry32 } from "#shared/random/mulberry32.ts";
import { SLOTS } from "./world.ts";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** mulberry32: the seeded PRNG that shapes orgs, projects and routes on the JavaScript side. */
export const prng: (seed: number) => () => number = mulberry32;

/** Fisher-Yates; not sort() with a random comparator, whose draws vary with the engine's tier. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

/** An id shaped like shared/ids (`prj_` + 26 base32 characters), from the seeded PRNG. */
export function seededId(prefix: string, createdMs: number, random: () => number): string {
  let time = "";
  for (let remaining = Math.floor(createdMs), index = 0; index < 10; index++) {
    time = ALPHABET[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }
  let body = "";
  for (let index = 0; index < 16; index++) body += ALPHABET[Math.floor(random() * 32)];
  return `${prefix}_${time}${body}`;
}

/** Weights spread over SLOTS slots, so SQL draws by an equi-join on `floor(u * SLOTS)`. */
export function slotsOf(weights: number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const slots: number[] = [];
  let cumulative = 0;
  weights.forEach((weight, index) => {
    cumulative += weight;
    while (slots.length < Math.round((cumulative / total) * SLOTS)) slots.push(index);
  });
  return slots;
}
