// Step 7: runs a sequence of attempts in order until one answers. Each failure is classified by
// the vendor's adapter into the closed error set; `retry_on` says which move on. Every outcome
// feeds the health tracker (latency, TTFT, errors, the breaker, `retry-after`). A stream is
// committed once its headers arrive: later failures are the stream writer's to report. An
// upstream's error body never reaches the caller: only its classification, scrubbed.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { EgressRefusedError } from "#shared/egress/policy.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { createRedactor, type Redact, secretsOfCredential } from "#shared/errors/redact.ts";
import {
  isRetryableKind,
  type UpstreamError,
  upstreamToGatewayError,
} from "#shared/errors/upstream-error.ts";
import type { ProviderAdapter, UpstreamCall } from "../providers/adapter.ts";
import { adapterFor } from "../providers/registry.ts";
import type { HealthTracker } from "../routing/health.ts";
import type { Attempt, RetryCondition } from "../routing/plan.ts";
import { type RequestSpan, randomHex, traceparentOf } from "../telemetry/trace-context.ts";
import { PROVIDER_KEY_HEADER } from "./provider-keys.ts";
import { upstreamFetch } from "./upstream-fetch.ts";

/** The least of `total_budget_ms` worth starting another attempt with. */
const MIN_ATTEMPT_BUDGET_MS = 1;

export interface AttemptRecord {
  attempt: Attempt;
  /** Milliseconds since the request arrived. */
  startedMs: number;
  latencyMs: number;
  /** Time to response headers of a streamed attempt: the first byte is on its way. */
  ttftMs?: number;
  status: number | "timeout" | "unreachable" | "skipped" | "aborted";
  error?: string;
  retryAfterSeconds?: number;
  role?: string;
  /** Known once the answer is read (set by the reader of the response). */
  usage?: CanonicalUsage;
  /** Cascade: whether the step's answer passed its acceptance check, and why. */
  accepted?: boolean;
  acceptance?: string;
  /** The attempt's span (OpenTelemetry on): its call's `traceparent` named it. */
  spanId?: string;
}

export interface UpstreamAnswer {
  attempt: Attempt;
  adapter: ProviderAdapter;
  /** The upstream's 2xx response. */
  response: Response;
  /** Time spent waiting on upstreams, failed attempts included: not gateway overhead. */
  upstreamMs: number;
  /**
   * Ends the attempt's timeout once the body has been read (or abandoned). Optional to call: an
   * unreleased timeout fires at its deadline and aborts nothing that is still needed.
   */
  release(): void;
}

export type AttemptsResult =
  | ({ ok: true } & UpstreamAnswer)
  | {
      ok: false;
      error: GatewayError;
      /** Whether a later step of the plan may still serve (the failure was the upstream's). */
      retryable: boolean;
      upstreamMs: number;
    };

/** The upstream call of an attempt; a same-shape call is made at once (no promise). */
export type MakeCall = (
  attempt: Attempt,
  adapter: ProviderAdapter,
) => UpstreamCall | Promise<UpstreamCall>;

export interface ExecuteOptions {
  clientSignal: AbortSignal | undefined;
  /** Scrubs upstream error text of the org's credentials and key-shaped strings. */
  redact: Redact;
  health: HealthTracker;
  /** `performance.now()` when the request arrived: attempt start times are relative to it. */
  receivedAt: number;
  /** Where attempt records go, in the order they were made (shared by a whole request). */
  records: AttemptRecord[];
  streaming: boolean;
  /** Labels the records of this run ("cascade step 2"). */
  role?: string;
  /** The request's span when traces are exported: each upstream call carries a child of it. */
  span?: RequestSpan | undefined;
}

export interface AttemptSequence {
  attempts: readonly Attempt[];
  retryOn: ReadonlySet<RetryCondition>;
  totalBudgetMs: number | null;
}

/** Runs the sequence; throws the last failure when no attempt answered. */
export async function executeAttempts(
  sequence: AttemptSequence,
  makeCall: MakeCall,
  options: ExecuteOptions,
): Promise<UpstreamAnswer> {
  const result = await runAttempts(sequence, makeCall, options);
  if (!result.ok) throw result.error;
  return result;
}

export async function runAttempts(
  sequence: AttemptSequence,
  makeCall: MakeCall,
  options: ExecuteOptions,
  /** Total-budget clock of the plan, when this sequence is part of a larger one. */
  planStarted = performance.now(),
): Promise<AttemptsResult> {
  const { health } = options;
  let upstreamMs = 0;
  // Made only when needed: an Error captures a stack, too dear to build on every request.
  let lastFailure: GatewayError | null = null;
  // The span of the attempt being made, once its call is about to go out.
  let spanId: string | undefined;
  // No closures over this call's state, and the attempt's `provider/model` made only for a
  // failure's message (issue 20: fewer objects per request).
  for (const attempt of sequence.attempts) {
    spanId = undefined;
    const adapter = adapterFor(attempt.provider.vendor);
    if (!adapter) {
      const message = `vendor "${attempt.provider.vendor}" is not supported`;
      recordAttempt(options, spanId, attempt, performance.now(), 0, "skipped", { error: message });
      lastFailure = new GatewayError("upstream_error", `${whereOf(attempt)}: ${message}`);
      continue;
    }
    const spent = performance.now() - planStarted;
    // Less than a millisecond left counts as spent: a timer clipped to the budget can fire a
    // fraction early, and an attempt begun with a sub-millisecond budget would race its own end.
    if (sequence.totalBudgetMs !== null && spent > sequence.totalBudgetMs - MIN_ATTEMPT_BUDGET_MS) {
      lastFailure = new GatewayError(
        "timeout",
        `total budget of ${sequence.totalBudgetMs} ms spent`,
      );
      return failed(upstreamMs, lastFailure, false);
    }
    const timeoutMs = smallest(
      attempt.timeoutMs,
      sequence.totalBudgetMs === null ? null : sequence.totalBudgetMs - spent,
    );
    let call: UpstreamCall;
    try {
      const made = makeCall(attempt, adapter);
      call = made instanceof Promise ? await made : made;
    } catch (error) {
      // This provider cannot be asked (a malformed credential, a missing base URL): the next can.
      if (!(error instanceof GatewayError) || error.code !== "upstream_error") throw error;
      recordAttempt(options, spanId, attempt, performance.now(), 0, "skipped", {
        error: error.message,
      });
      lastFailure = new GatewayError("upstream_error", `${whereOf(attempt)}: ${error.message}`);
      continue;
    }
    // Claims the half-open probe when the breaker is testing this upstream again.
    health.allowRequest(attempt.healthKey);
    const started = performance.now();
    const deadline = attemptSignal(options.clientSignal, timeoutMs);
    let response: Response;
    let headers = call.headers;
    if (options.span) {
      spanId = randomHex(8);
      headers = { ...headers, traceparent: traceparentOf(options.span, spanId) };
    }
    try {
      response = await upstreamFetch(
        call.url,
        { method: call.method, headers, body: call.body, signal: deadline.signal },
        options.streaming,
      );
    } catch (error) {
      deadline.release();
      const elapsed = performance.now() - started;
      upstreamMs += elapsed;
      if (options.clientSignal?.aborted) {
        recordAttempt(options, spanId, attempt, started, elapsed, "aborted");
        return failed(
          upstreamMs,
          new GatewayError("invalid_request", "client closed the request"),
          false,
        );
      }
      if (error instanceof EgressRefusedError) {
        // The provider's address is one this gateway may not call: a setting, not its health.
        recordAttempt(options, spanId, attempt, started, elapsed, "skipped", {
          error: error.message,
        });
        lastFailure = new GatewayError("upstream_error", `${whereOf(attempt)}: ${error.message}`);
        continue;
      }
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      recordAttempt(
        options,
        spanId,
        attempt,
        started,
        elapsed,
        timedOut ? "timeout" : "unreachable",
      );
      health.recordFailure(attempt.healthKey, timedOut ? "timeout" : "unreachable");
      lastFailure = timedOut
        ? new GatewayError("timeout", `${whereOf(attempt)} timed out after ${timeoutMs} ms`)
        : new GatewayError("upstream_error", `${whereOf(attempt)} unreachable`);
      if (timedOut && !sequence.retryOn.has("timeout"))
        return failed(upstreamMs, lastFailure, false);
      continue;
    }
    const elapsed = performance.now() - started;
    if (response.ok) {
      if (options.streaming) {
        recordAttempt(options, spanId, attempt, started, elapsed, response.status, {
          ttftMs: elapsed,
        });
        health.recordSuccess(attempt.healthKey, { latencyMs: elapsed, ttftMs: elapsed });
      } else {
        recordAttempt(options, spanId, attempt, started, elapsed, response.status);
        health.recordSuccess(attempt.healthKey, { latencyMs: elapsed });
      }
      return {
        ok: true,
        attempt,
        adapter,
        response,
        upstreamMs: upstreamMs + elapsed,
        release: deadline.release,
      };
    }
    const bodyText = await response.text().catch(() => "");
    deadline.release();
    const failure = adapter.parseError(response.status, bodyText, response.headers);
    upstreamMs += performance.now() - started;
    const retryAfter =
      failure.retryAfterSeconds === undefined
        ? {}
        : { retryAfterSeconds: failure.retryAfterSeconds };
    recordAttempt(options, spanId, attempt, started, elapsed, response.status, {
      error: failure.kind,
      ...retryAfter,
    });
    const redact = attempt.providerKey ? withOwnKey(options.redact, attempt) : options.redact;
    if (!isRetryableKind(failure.kind) && failure.kind !== "auth") {
      // The caller's own mistake: the next provider would refuse it too. Not the upstream's
      // health either. Same-shape or not, the caller gets the closed set's error, not the body.
      return failed(upstreamMs, upstreamToGatewayError(failure, whereOf(attempt), redact), false);
    }
    // A caller's own key refused or out of quota says nothing of the provider's health.
    const ownKeyFailure =
      attempt.providerKey !== undefined &&
      (failure.kind === "auth" || failure.kind === "rate_limited");
    if (!ownKeyFailure) {
      health.recordFailure(
        attempt.healthKey,
        failure.kind === "auth" ? "auth" : healthKind(failure),
      );
      if (failure.retryAfterSeconds !== undefined)
        health.recordRetryAfter(attempt.healthKey, failure.retryAfterSeconds * 1000);
    }
    lastFailure =
      attempt.providerKey && failure.kind === "auth"
        ? providerKeyRejected(whereOf(attempt))
        : withRetryAfter(upstreamToGatewayError(failure, whereOf(attempt), redact), failure);
    if (failure.kind !== "auth" && !sequence.retryOn.has(retryCondition(failure)))
      return failed(upstreamMs, lastFailure, false);
  }
  return failed(
    upstreamMs,
    lastFailure ?? new GatewayError("upstream_error", "the routing plan has no attempt"),
    true,
  );
}

function failed(upstreamMs: number, error: GatewayError, retryable: boolean): AttemptsResult {
  return { ok: false, error, retryable, upstreamMs };
}

/** An attempt's record, in the order made (with the run's role and the attempt's span). */
function recordAttempt(
  options: ExecuteOptions,
  spanId: string | undefined,
  attempt: Attempt,
  startedAt: number,
  latencyMs: number,
  status: AttemptRecord["status"],
  extra: Partial<AttemptRecord> = NO_EXTRA,
): void {
  const entry: AttemptRecord = {
    attempt,
    startedMs: startedAt - options.receivedAt,
    latencyMs,
    status,
    ...extra,
  };
  if (options.role !== undefined) entry.role = options.role;
  if (spanId !== undefined) entry.spanId = spanId;
  options.records.push(entry);
}

/** `provider/model`, for failure messages. */
const whereOf = (attempt: Attempt) => `${attempt.provider.name}/${attempt.model}`;

/** The org's redactor, and first the key the attempt ran on (the caller's own). */
function withOwnKey(redact: Redact, attempt: Attempt): Redact {
  const own = createRedactor(secretsOfCredential(attempt.provider.credential));
  return (text) => redact(own(text));
}

/** A 401 in the caller's shape: their key, not the gateway's, was refused. */
function providerKeyRejected(where: string): GatewayError {
  return new GatewayError(
    "authentication",
    `${where}: the provider rejected the key sent in ${PROVIDER_KEY_HEADER}`,
    { param: PROVIDER_KEY_HEADER },
  );
}

function healthKind(failure: UpstreamError) {
  if (
    failure.kind === "rate_limited" ||
    failure.kind === "overloaded" ||
    failure.kind === "timeout"
  )
    return failure.kind;
  return "upstream_error" as const;
}

function retryCondition(failure: UpstreamError): RetryCondition {
  if (failure.kind === "rate_limited") return "429";
  if (failure.kind === "timeout") return "timeout";
  return "5xx";
}

function withRetryAfter(error: GatewayError, failure: UpstreamError): GatewayError {
  if (failure.retryAfterSeconds === undefined) return error;
  return new GatewayError(error.code, error.message, {
    ...error.details,
    retryAfterSeconds: failure.retryAfterSeconds,
  });
}

export interface AttemptSignal {
  /** For fetch: aborts when the client goes away or the attempt's time is up. */
  signal: AbortSignal | null;
  release(): void;
}

const noRelease = () => {};
/** An attempt record's nothing more (shared: never written). */
const NO_EXTRA: Partial<AttemptRecord> = Object.freeze({});

/**
 * The client's abort and the attempt's timeout as one signal. One controller, a listener and a
 * timer that is cleared once the exchange is over: AbortSignal.timeout and AbortSignal.any
 * cost ~10 µs a request under load (bench/overhead), mostly their timers firing seconds after
 * the answer was sent. The abort reason on timeout is a "TimeoutError" DOMException, as with
 * AbortSignal.timeout.
 */
export function attemptSignal(
  client: AbortSignal | undefined,
  timeoutMs: number | null,
): AttemptSignal {
  if (timeoutMs === null) return { signal: client ?? null, release: noRelease };
  const controller = new AbortController();
  if (client?.aborted) controller.abort(client.reason);
  else client?.addEventListener("abort", () => controller.abort(client.reason), ONCE);
  // The controller as the timer's argument: no closure for it (clearing a fired timer is a no-op).
  const timer = setTimeout(abortOnTimeout, timeoutMs, controller);
  // Like AbortSignal.timeout: a pending attempt timeout does not keep the process alive.
  timer.unref();
  return { signal: controller.signal, release: () => clearTimeout(timer) };
}

const ONCE = Object.freeze({ once: true });

function abortOnTimeout(controller: AbortController): void {
  controller.abort(new DOMException("The operation timed out.", "TimeoutError"));
}

function smallest(a: number | null, b: number | null): number | null {
  if (a === null && b === null) return null;
  return Math.max(
    1,
    Math.floor(Math.min(a ?? Number.POSITIVE_INFINITY, b ?? Number.POSITIVE_INFINITY)),
  );
}
