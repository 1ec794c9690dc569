// The limits part of admission (DESIGN §4 step 2, docs/limits.md): a key with limits is checked
// and counted, and its standing goes into the answer's headers; over a limit, the 429. Used by
// admit(), so every surface and endpoint that admits a request is counted.
import type { RuntimeApiKey } from "../snapshot/runtime-config.ts";
import type { KeyLimiter, LimitTicket } from "./key-limiter.ts";
import { type LimitSurface, limitExceededError, limitHeaders } from "./limit-headers.ts";

export interface LimitAdmission {
  ticket: LimitTicket;
  headers: Record<string, string>;
}

/** Null for a key without limits (the common case: one field read). Throws the 429 when over. */
export function admitKeyLimits(
  limiter: KeyLimiter,
  key: RuntimeApiKey,
  estimatedTokens: number,
  surface: LimitSurface,
): LimitAdmission | null {
  if (key.limits === null) return null;
  const tokens = Math.max(0, Math.round(estimatedTokens));
  const decision = limiter.admit(key.id, key.limits, tokens);
  if (!decision.admitted) throw limitExceededError(surface, decision, tokens);
  return { ticket: decision.ticket, headers: limitHeaders(surface, decision.standing) };
}

/** Tokens an answer used, for settling: input (cache included) and output (reasoning included). */
export function usedTokens(usage: { inputTokens: number; outputTokens: number } | null): number {
  if (usage === null) return 0;
  const total = usage.inputTokens + usage.outputTokens;
  return Number.isFinite(total) && total > 0 ? total : 0;
}
