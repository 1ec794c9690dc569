// One non-streamed call through a sequence of attempts, answered as a canonical response: what
// cascade steps, ensemble members and judges are made of. Always translated (never the fast
// path), since the gateway reads the whole answer before deciding.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Attempt } from "../routing/plan.ts";
import { DEFAULT_RETRY_ON } from "../routing/plan-types.ts";
import { type ExecuteOptions, runAttempts } from "./execute-attempts.ts";

export type CanonicalCallResult =
  | { ok: true; response: CanonicalResponse; attempt: Attempt; upstreamMs: number }
  | { ok: false; error: GatewayError; retryable: boolean; upstreamMs: number };

export async function callCanonical(
  attempts: readonly Attempt[],
  request: CanonicalRequest,
  options: ExecuteOptions,
  warnings: ConversionWarning[],
): Promise<CanonicalCallResult> {
  const result = await runAttempts(
    { attempts, retryOn: DEFAULT_RETRY_ON, totalBudgetMs: null },
    async (attempt, adapter) => {
      const built = await adapter.buildRequest(
        { ...request, model: attempt.model, stream: false },
        { provider: attempt.provider, model: attempt.model },
      );
      warnings.push(...built.warnings);
      return built.value;
    },
    { ...options, streaming: false },
  );
  if (!result.ok) return result;
  const where = `${result.attempt.provider.name}/${result.attempt.model}`;
  let json: unknown;
  try {
    json = JSON.parse(await result.response.text());
  } catch {
    result.release();
    const error = new GatewayError("upstream_error", `${where} answered with invalid JSON`);
    return { ok: false, error, retryable: true, upstreamMs: result.upstreamMs };
  }
  result.release();
  const converted = result.adapter.parseResponse(json, result.attempt);
  warnings.push(...converted.warnings);
  // The record of the attempt that answered is the last one this run made.
  for (let index = options.records.length - 1; index >= 0; index--) {
    const record = options.records[index];
    if (record?.attempt === result.attempt) {
      record.usage = converted.value.usage;
      break;
    }
  }
  return {
    ok: true,
    response: converted.value,
    attempt: result.attempt,
    upstreamMs: result.upstreamMs,
  };
}
