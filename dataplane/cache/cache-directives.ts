// What one request asks of the response cache (docs/caching.md): `mlx:cache: {skip: true}` and
// `Cache-Control: no-cache` read fresh (no lookup) but still store the answer; `no-store` neither
// reads nor stores. Anything else in `mlx:cache` is a 400 naming the field; other Cache-Control
// directives (max-age, private, …) say nothing to a gateway and are left alone.
import { GatewayError } from "#shared/errors/gateway-error.ts";

export interface CacheDirectives {
  /** Look the answer up (false: answer fresh). */
  read: boolean;
  /** Store a fresh answer. */
  write: boolean;
  /** Why not read or write, for the trace ("mlx:cache.skip", "cache-control: no-store"). */
  reason: string | null;
}

export const DEFAULT_DIRECTIVES: CacheDirectives = { read: true, write: true, reason: null };

/** `mlx:cache` (the body's value, undefined when absent) and the Cache-Control header. */
export function readCacheDirectives(field: unknown, cacheControl: string | null): CacheDirectives {
  let read = true;
  let write = true;
  let reason: string | null = null;
  if (cacheControl !== null) {
    const directives = cacheControl.toLowerCase().split(",");
    for (const raw of directives) {
      const directive = raw.trim().split("=")[0];
      if (directive === "no-store") {
        read = false;
        write = false;
        reason = "cache-control: no-store";
      } else if (directive === "no-cache" && write) {
        read = false;
        reason = "cache-control: no-cache";
      }
    }
  }
  if (field !== undefined) {
    if (typeof field !== "object" || field === null || Array.isArray(field))
      throw invalid("mlx:cache", 'mlx:cache must be an object, e.g. {"skip": true}');
    for (const [name, value] of Object.entries(field)) {
      if (name !== "skip")
        throw invalid(`mlx:cache.${name.slice(0, 64)}`, "is not a cache option (skip)");
      if (typeof value !== "boolean") throw invalid("mlx:cache.skip", "must be a boolean");
      if (value && read) {
        read = false;
        reason = "mlx:cache.skip";
      }
    }
  }
  if (read && write) return DEFAULT_DIRECTIVES;
  return { read, write, reason };
}

function invalid(param: string, problem: string): GatewayError {
  const message = problem.startsWith(param) ? problem : `${param}: ${problem}`;
  return new GatewayError("invalid_request", message, { param });
}
