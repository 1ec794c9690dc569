// A fixed-size ring of recent (timestamp, value) samples for one (provider, model), read as
// percentiles over a sliding time window. Recording is O(1) and allocation-free; a query
// copies the in-window samples into a shared scratch buffer and sorts them, O(n log n).
//
// Bound: the ring keeps the last `capacity` samples only, so at high traffic a query for a
// long window sees the most recent `capacity` samples, not the whole window. That is the
// point: latency routing wants the recent shape, and memory stays flat per key.

export class LatencyWindow {
  private readonly at: Float64Array;
  private readonly values: Float64Array;
  /** Index of the next write. */
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.at = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  record(atMs: number, value: number): void {
    this.at[this.next] = atMs;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /**
   * Nearest-rank percentile (`quantile` in 0..1) of the samples recorded at or after
   * `sinceMs`, or null when there are none. `scratch` must hold at least `capacity` values;
   * it is overwritten.
   */
  quantile(quantile: number, sinceMs: number, scratch: Float64Array): number | null {
    let count = 0;
    for (let offset = 1; offset <= this.size; offset++) {
      // Walk from newest to oldest so the loop can stop at the first sample out of window.
      const index = (this.next - offset + this.capacity) % this.capacity;
      if ((this.at[index] as number) < sinceMs) break;
      scratch[count++] = this.values[index] as number;
    }
    if (count === 0) return null;
    const window = scratch.subarray(0, count).sort();
    const rank = Math.max(1, Math.ceil(quantile * count));
    return window[rank - 1] as number;
  }
}
