// Failed authentications per client address: a token bucket each, in a small fixed-size table.
// An address that spent its burst is refused (429) before its key is looked at, until it has
// earned a token back. Addresses that never failed are not in the table, so a request that
// authenticates costs one map lookup, and none while the table is empty.

export interface FailureLimiterOptions {
  /** Failures an address may make in a row before it is refused. */
  burst: number;
  /** Failures it earns back per minute. */
  perMinute: number;
  /** Addresses remembered at once; the one that failed longest ago is forgotten first. */
  capacity: number;
  /** Milliseconds; injected by tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class FailureLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly now: () => number;

  constructor(private readonly options: FailureLimiterOptions) {
    this.perMs = options.perMinute / 60_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Seconds until the address may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const bucket = this.buckets.get(address);
    if (bucket === undefined) return 0;
    const tokens = this.refill(bucket, this.now());
    if (tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
  }

  /** Counts one failed authentication of the address. */
  fail(address: string): void {
    const now = this.now();
    const bucket = this.buckets.get(address);
    if (bucket !== undefined) {
      bucket.tokens = Math.max(0, this.refill(bucket, now) - 1);
      bucket.updatedAt = now;
      // Re-inserted, so the map's order is oldest failure first.
      this.buckets.delete(address);
      this.buckets.set(address, bucket);
      return;
    }
    if (this.buckets.size >= this.options.capacity) this.evict(now);
    this.buckets.set(address, { tokens: this.options.burst - 1, updatedAt: now });
  }

  private refill(bucket: Bucket, now: number): number {
    const earned = Math.max(0, now - bucket.updatedAt) * this.perMs;
    return Math.min(this.options.burst, bucket.tokens + earned);
  }

  /** Frees a slot: the oldest entry, after dropping the ones already back to a full bucket. */
  private evict(now: number): void {
    for (const [address, bucket] of this.buckets) {
      if (this.refill(bucket, now) < this.options.burst) break;
      this.buckets.delete(address);
    }
    if (this.buckets.size < this.options.capacity) return;
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}

/**
 * The key an address is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64, since
 * one host usually holds a whole /64 and could otherwise fail from a fresh address every time.
 */
export function addressKey(address: string): string {
  if (!address.includes(":")) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const [head = "", tail] = address.toLowerCase().split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = Math.max(0, 8 - headGroups.length - tailGroups.length);
  const groups = [...headGroups, ...Array<string>(missing).fill("0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
