// Per-key request limits for the Management API and MCP tool calls: a counter per one-minute
// window in Postgres, so every control plane of a fleet counts against the same limit.
import { lt, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { managementRateLimits } from "../db/schema/index.ts";
import { ManagementError } from "./errors.ts";

const WINDOW_MS = 60_000;

export interface RateLimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** Counts one request; throws `rate_limited` with retry-after once the window's limit is used. */
export async function consumeRateLimit(
  db: Database,
  keyId: string,
  limit: number,
  now: Date = new Date(),
): Promise<RateLimitState> {
  const windowStart = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
  const [row] = await db
    .insert(managementRateLimits)
    .values({ management_key_id: keyId, window_start: new Date(windowStart), count: 1 })
    .onConflictDoUpdate({
      target: [managementRateLimits.management_key_id, managementRateLimits.window_start],
      set: { count: sql`${managementRateLimits.count} + 1` },
    })
    .returning({ count: managementRateLimits.count });
  const count = row?.count ?? 1;
  const resetSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now.getTime()) / 1000));
  if (count > limit) {
    throw new ManagementError(
      "rate_limited",
      `rate limit of ${limit} requests per minute exceeded for this management key`,
      { retryAfterSeconds: resetSeconds },
    );
  }
  return { limit, remaining: Math.max(0, limit - count), resetSeconds };
}

/** Windows older than a few minutes count for nothing; the housekeeping loop drops them. */
export async function deleteOldRateLimitWindows(db: Database, now: Date = new Date()) {
  await db
    .delete(managementRateLimits)
    .where(lt(managementRateLimits.window_start, new Date(now.getTime() - 5 * WINDOW_MS)));
}
