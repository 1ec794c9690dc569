// The spend cap of a with_responses experiment (docs/experiments.md): before a request is sent,
// its cost bound (the request, its embedding and its judge call together) is held against the
// cap; nothing is sent when what was spent, what is held and the new bound would pass the cap.
// What each call really cost is charged against its hold, and what the hold did not use is
// given back. So as long as bounds are bounds, spent never passes the cap. Pure.

export type SpendCategory = "requests" | "embeddings" | "judge";

export interface Hold {
  /** What is still held for this item: its bound minus what it has been charged. */
  remainingUsd: number;
  released: boolean;
}

export class SpendGuard {
  spentUsd = 0;
  heldUsd = 0;
  readonly spentBy: Record<SpendCategory, number> = { requests: 0, embeddings: 0, judge: 0 };

  constructor(readonly capUsd: number) {}

  /** Holds `boundUsd`, or returns null when it does not fit under the cap. */
  reserve(boundUsd: number): Hold | null {
    const bound = Math.max(0, boundUsd);
    if (this.spentUsd + this.heldUsd + bound > this.capUsd) return null;
    this.heldUsd += bound;
    return { remainingUsd: bound, released: false };
  }

  /** Records what a call cost; its hold shrinks by as much (never below zero). */
  charge(hold: Hold, category: SpendCategory, usd: number): void {
    const cost = Math.max(0, usd);
    this.spentUsd += cost;
    this.spentBy[category] += cost;
    const covered = Math.min(hold.remainingUsd, cost);
    hold.remainingUsd -= covered;
    if (!hold.released) this.heldUsd -= covered;
  }

  /** Gives back what the hold did not use. */
  release(hold: Hold): void {
    if (hold.released) return;
    hold.released = true;
    this.heldUsd = Math.max(0, this.heldUsd - hold.remainingUsd);
    hold.remainingUsd = 0;
  }
}
