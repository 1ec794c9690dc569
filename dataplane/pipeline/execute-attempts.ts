// Step 7: runs a plan's attempts in order until one answers. Each failure is classified by the
// vendor's adapter into the closed error set; the plan's `retry_on` says which move on. A stream
// is committed once its headers arrive: later failures are the stream writer's to report.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  isRetryableKind,
  type UpstreamError,
  upstreamToGatewayError,
} from "#shared/errors/upstream-error.ts";
import type { ProviderAdapter, UpstreamCall } from "../providers/adapter.ts";
import { adapterFor } from "../providers/registry.ts";
import type { Attempt, RetryCondition, RoutePlan } from "../routing/plan.ts";

export interface AttemptRecord {
  provider: string;
  model: string;
  latencyMs: number;
  status: number | "timeout" | "unreachable" | "skipped";
  error?: string;
}

export interface UpstreamAnswer {
  attempt: Attempt;
  adapter: ProviderAdapter;
  /** The upstream's response: 2xx, or (same-shape only) a client error passed through as is. */
  response: Response;
  /** Time spent waiting on upstreams, failed attempts included: not gateway overhead. */
  upstreamMs: number;
  attempts: AttemptRecord[];
}

export type MakeCall = (attempt: Attempt, adapter: ProviderAdapter) => Promise<UpstreamCall>;

export interface ExecuteOptions {
  clientSignal: AbortSignal | undefined;
  /** Whether a client error may be handed back as the upstream sent it (same-shape only). */
  passClientErrorsThrough: (adapter: ProviderAdapter) => boolean;
}

export async function executeAttempts(
  plan: RoutePlan,
  makeCall: MakeCall,
  options: ExecuteOptions,
): Promise<UpstreamAnswer> {
  const planStarted = performance.now();
  const attempts: AttemptRecord[] = [];
  let upstreamMs = 0;
  let lastFailure = new GatewayError("upstream_error", "the routing plan has no attempt");
  for (const attempt of plan.attempts) {
    const where = `${attempt.provider.name}/${attempt.model}`;
    const adapter = adapterFor(attempt.provider.vendor);
    if (!adapter) {
      attempts.push(
        record(attempt, 0, "skipped", `no adapter for vendor ${attempt.provider.vendor}`),
      );
      lastFailure = new GatewayError(
        "upstream_error",
        `${where}: vendor "${attempt.provider.vendor}" is not supported`,
      );
      continue;
    }
    const spent = performance.now() - planStarted;
    if (plan.totalBudgetMs !== null && spent >= plan.totalBudgetMs) {
      lastFailure = new GatewayError("timeout", `total budget of ${plan.totalBudgetMs} ms spent`);
      break;
    }
    const timeoutMs = smallest(
      attempt.timeoutMs,
      plan.totalBudgetMs === null ? null : plan.totalBudgetMs - spent,
    );
    let call: UpstreamCall;
    try {
      call = await makeCall(attempt, adapter);
    } catch (error) {
      // This provider cannot be asked (a malformed credential, a missing base URL): the next can.
      if (!(error instanceof GatewayError) || error.code !== "upstream_error") throw error;
      attempts.push(record(attempt, 0, "skipped", error.message));
      lastFailure = new GatewayError("upstream_error", `${where}: ${error.message}`);
      continue;
    }
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(call.url, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal: combineSignals(options.clientSignal, timeoutMs),
      });
    } catch (error) {
      const elapsed = performance.now() - started;
      upstreamMs += elapsed;
      if (options.clientSignal?.aborted)
        throw new GatewayError("invalid_request", "client closed the request");
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      attempts.push(record(attempt, elapsed, timedOut ? "timeout" : "unreachable"));
      lastFailure = timedOut
        ? new GatewayError("timeout", `${where} timed out after ${timeoutMs} ms`)
        : new GatewayError("upstream_error", `${where} unreachable`);
      if (timedOut && !plan.retryOn.has("timeout")) break;
      continue;
    }
    const elapsed = performance.now() - started;
    if (response.ok) {
      attempts.push(record(attempt, elapsed, response.status));
      return { attempt, adapter, response, upstreamMs: upstreamMs + elapsed, attempts };
    }
    const bodyText = await response.text().catch(() => "");
    const failure = adapter.parseError(response.status, bodyText, response.headers);
    upstreamMs += performance.now() - started;
    attempts.push(record(attempt, elapsed, response.status, failure.kind));
    if (!isRetryableKind(failure.kind) && failure.kind !== "auth") {
      // The caller's own mistake: the next provider would refuse it too.
      if (options.passClientErrorsThrough(adapter)) {
        const contentType = response.headers.get("content-type") ?? "application/json";
        const passed = new Response(bodyText, {
          status: response.status,
          headers: { "content-type": contentType },
        });
        return { attempt, adapter, response: passed, upstreamMs, attempts };
      }
      throw upstreamToGatewayError(failure, where);
    }
    lastFailure = withRetryAfter(upstreamToGatewayError(failure, where), failure);
    if (failure.kind !== "auth" && !plan.retryOn.has(retryCondition(failure))) break;
  }
  throw lastFailure;
}

function retryCondition(failure: UpstreamError): RetryCondition {
  if (failure.kind === "rate_limited") return "429";
  if (failure.kind === "timeout") return "timeout";
  return "5xx";
}

function record(
  attempt: Attempt,
  latencyMs: number,
  status: AttemptRecord["status"],
  error?: string,
): AttemptRecord {
  const entry: AttemptRecord = {
    provider: attempt.provider.name,
    model: attempt.model,
    latencyMs,
    status,
  };
  if (error) entry.error = error;
  return entry;
}

function withRetryAfter(error: GatewayError, failure: UpstreamError): GatewayError {
  if (failure.retryAfterSeconds === undefined) return error;
  return new GatewayError(error.code, error.message, {
    ...error.details,
    retryAfterSeconds: failure.retryAfterSeconds,
  });
}

function combineSignals(
  client: AbortSignal | undefined,
  timeoutMs: number | null,
): AbortSignal | null {
  const signals: AbortSignal[] = [];
  if (client) signals.push(client);
  if (timeoutMs !== null) signals.push(AbortSignal.timeout(timeoutMs));
  if (signals.length === 0) return null;
  return signals.length === 1 ? (signals[0] ?? null) : AbortSignal.any(signals);
}

function smallest(a: number | null, b: number | null): number | null {
  if (a === null && b === null) return null;
  return Math.max(
    1,
    Math.floor(Math.min(a ?? Number.POSITIVE_INFINITY, b ?? Number.POSITIVE_INFINITY)),
  );
}
