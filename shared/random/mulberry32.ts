// mulberry32: a tiny seeded generator, uniform in [0, 1) with a 2^32 period. Where the same seed
// must give the same numbers on every run and machine (the simulator's answers, replay's draws,
// generated benchmark data and test bodies), this is the one implementation.

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
