// Step 7: runs a plan's attempts in order until one answers. Moves on for what the plan allows
// (429, 5xx, timeouts) and for connection errors; a stream is committed once its headers arrive.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { vendorApi } from "../providers/vendors.ts";
import type { Attempt, RoutePlan } from "../routing/plan.ts";

export interface UpstreamSuccess {
  attempt: Attempt;
  /** The upstream's response: 2xx, or a 4xx the next provider would repeat (passed through). */
  response: Response;
  startedAt: number;
  /** When the upstream's response headers arrived. */
  respondedAt: number;
  /** Time spent waiting on upstreams, failed attempts included: not gateway overhead. */
  upstreamMs: number;
}

type Outcome =
  | { kind: "answered"; success: UpstreamSuccess }
  | { kind: "next"; failure: GatewayError }
  | { kind: "stop"; failure: GatewayError };

export type BuildBody = (attempt: Attempt) => string;

export async function executePlan(
  plan: RoutePlan,
  buildBody: BuildBody,
  clientSignal: AbortSignal | undefined,
): Promise<UpstreamSuccess> {
  const planStarted = performance.now();
  let lastFailure = new GatewayError("upstream_error", "the routing plan has no attempt");
  let upstreamMs = 0;
  for (const attempt of plan.attempts) {
    const remaining =
      plan.totalBudgetMs === null ? null : plan.totalBudgetMs - (performance.now() - planStarted);
    if (remaining !== null && remaining <= 0) {
      lastFailure = new GatewayError("timeout", `total budget of ${plan.totalBudgetMs} ms spent`);
      break;
    }
    const attemptStarted = performance.now();
    const outcome = await tryAttempt(
      plan,
      attempt,
      buildBody,
      clientSignal,
      minimum(attempt.timeoutMs, remaining),
    );
    if (outcome.kind === "answered") {
      outcome.success.upstreamMs =
        upstreamMs + (outcome.success.respondedAt - outcome.success.startedAt);
      return outcome.success;
    }
    upstreamMs += performance.now() - attemptStarted;
    lastFailure = outcome.failure;
    if (outcome.kind === "stop") break;
  }
  throw lastFailure;
}

async function tryAttempt(
  plan: RoutePlan,
  attempt: Attempt,
  buildBody: BuildBody,
  clientSignal: AbortSignal | undefined,
  timeoutMs: number | null,
): Promise<Outcome> {
  const where = `${attempt.provider.name}/${attempt.model}`;
  const api = vendorApi(attempt.provider.vendor);
  if (!api) {
    const message = `provider vendor "${attempt.provider.vendor}" is not served by this data plane yet`;
    return { kind: "next", failure: new GatewayError("not_implemented", message) };
  }
  const signals: AbortSignal[] = [];
  if (clientSignal) signals.push(clientSignal);
  if (timeoutMs !== null) signals.push(AbortSignal.timeout(timeoutMs));
  const startedAt = performance.now();
  let response: Response;
  try {
    response = await fetch(`${attempt.provider.baseUrl ?? api.defaultBaseUrl}${api.chatPath}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...api.headers(attempt.provider.credential) },
      body: buildBody(attempt),
      signal: signals.length > 0 ? AbortSignal.any(signals) : null,
    });
  } catch (error) {
    if (clientSignal?.aborted) {
      return {
        kind: "stop",
        failure: new GatewayError("invalid_request", "client closed the request"),
      };
    }
    if (error instanceof DOMException && error.name === "TimeoutError") {
      const failure = new GatewayError("timeout", `${where} timed out after ${timeoutMs} ms`);
      return { kind: plan.retryOn.has("timeout") ? "next" : "stop", failure };
    }
    return { kind: "next", failure: new GatewayError("upstream_error", `${where} unreachable`) };
  }
  const respondedAt = performance.now();
  const { status } = response;
  if (response.ok)
    return {
      kind: "answered",
      success: { attempt, response, startedAt, respondedAt, upstreamMs: 0 },
    };
  const retryable =
    status === 429 ? plan.retryOn.has("429") : status >= 500 && plan.retryOn.has("5xx");
  // A bad request the next provider would repeat: the caller gets the upstream's own answer.
  // Credential and rate problems are the gateway's, not the caller's, so they never pass through.
  if (!retryable && status < 500 && status !== 401 && status !== 403 && status !== 429) {
    return {
      kind: "answered",
      success: { attempt, response, startedAt, respondedAt, upstreamMs: 0 },
    };
  }
  await response.body?.cancel();
  const failure =
    status === 401 || status === 403
      ? new GatewayError(
          "upstream_error",
          `provider ${attempt.provider.name} rejected its credential`,
        )
      : new GatewayError("upstream_error", `${where} answered ${status}`);
  return { kind: retryable || status === 401 || status === 403 ? "next" : "stop", failure };
}

function minimum(a: number | null, b: number | null): number | null {
  if (a === null && b === null) return null;
  const value = Math.min(a ?? Number.POSITIVE_INFINITY, b ?? Number.POSITIVE_INFINITY);
  return Math.max(1, Math.floor(value));
}
