// Postgres error codes the Management API turns into its own errors (PGlite reports the same).
const UNIQUE_VIOLATION = "23505";

/** True when `error` (or what drizzle wrapped in it) is a unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current; depth++) {
    if ((current as { code?: unknown }).code === UNIQUE_VIOLATION) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
