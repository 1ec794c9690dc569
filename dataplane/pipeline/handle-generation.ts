// The request pipeline for generation endpoints (DESIGN §4), the same for every surface, one call
// per stage: authenticate, surface parse, resolve + budgets + route (admit), execute, answer in
// the caller's shape, account and trace. Same-shape attempts take the fast path (the client's
// body with only `model` replaced, the stream piped through); others are translated through the
// canonical model; cascades and ensembles answer from a finished canonical response. The
// response cache (dataplane/cache/cache-stage.ts) sits between routing and execution.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { answerFromCache, lookupCache, markCache, storeInCache } from "../cache/cache-stage.ts";
import type { DataPlaneContext } from "../context.ts";
import type { ProviderAdapter, UpstreamCall } from "../providers/adapter.ts";
import type { Attempt, RoutePlan } from "../routing/plan.ts";
import type { FastPathBuilder, PerRequestBinding, SurfaceBinding } from "../surfaces/binding.ts";
import { parseJsonObject } from "../surfaces/parse-body.ts";
import { admit } from "./admit.ts";
import { authenticate } from "./authenticate.ts";
import { dryRunResponse } from "./dry-run.ts";
import { executePlan, type PlanAnswer } from "./execute-plan.ts";
import { type FileOwner, fileOwners } from "./file-owners.ts";
import { type Generation, roundMs, startGeneration } from "./generation.ts";
import { answerBody } from "./generation-body.ts";
import { answerStream } from "./generation-stream.ts";

export async function handleGeneration(
  request: Request,
  context: DataPlaneContext,
  requestId: string,
  surfaceBinding: SurfaceBinding | PerRequestBinding,
): Promise<Response> {
  const receivedAt = performance.now();
  const arrivedAtMs = Date.now();
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  const body = await parseJsonObject(request);
  const binding =
    "forRequest" in surfaceBinding
      ? await surfaceBinding.forRequest({ body, headers: request.headers, key, context })
      : surfaceBinding;
  const generation = startGeneration({
    request,
    context,
    requestId,
    binding,
    config,
    key,
    body,
    receivedAt,
    arrivedAtMs,
  });
  try {
    const owners = fileOwners(context.state, config, key.orgId, generation.canonical);
    const plan = admitGeneration(generation, owners === null ? null : await owners);
    if (generation.fields.dryRun) return answerDryRun(generation, plan);
    const hit = plan.cacheEnabled ? await lookupCache(generation, plan) : null;
    if (hit) return answerFromCache(generation, plan, hit);
    const answer = storeInCache(generation, await execute(generation, plan));
    return markCache(generation, await answerClient(generation, plan, answer));
  } catch (error) {
    generation.fail(error);
    throw error;
  }
}

/** Resolve the model, check and reserve the budgets, plan the route. */
function admitGeneration(generation: Generation, owners: FileOwner[] | null): RoutePlan {
  const admission = admit({
    context: generation.context,
    config: generation.config,
    key: generation.key,
    requestId: generation.requestId,
    model: generation.canonical.model,
    fields: generation.fields,
    features: generation.features,
    nowMs: generation.arrivedAtMs,
    trace: generation.trace,
    fileOwners: owners,
  });
  generation.admission = admission;
  generation.plan = admission.plan;
  return admission.plan;
}

/** `X-Modelux-Dry-Run: true`: the decision instead of an upstream call. */
function answerDryRun(generation: Generation, plan: RoutePlan): Response {
  const { trace } = generation;
  trace.overhead_ms = roundMs(performance.now() - generation.receivedAt);
  generation.finish(200, null, null);
  const { binding } = generation;
  const stream = generation.canonical.stream
    ? {
        surface: binding.name,
        includeUsage: generation.clientWantsUsage,
        ...(binding.dryRunStream && { events: binding.dryRunStream.bind(binding) }),
      }
    : null;
  return dryRunResponse(generation.requestId, plan, trace, generation.admission?.headers, stream);
}

/** The plan's attempts in order until one answers. */
function execute(generation: Generation, plan: RoutePlan): Promise<PlanAnswer> {
  return executePlan(
    plan,
    generation.canonical,
    (attempt, adapter) => upstreamCall(generation, attempt, adapter),
    {
      clientSignal: generation.request.signal,
      redact: generation.redact,
      health: generation.context.health,
      receivedAt: generation.receivedAt,
      records: generation.records,
      streaming: generation.canonical.stream,
      span: generation.trace.span,
    },
    generation.warnings,
  );
}

/** The answer in the caller's shape; the request is accounted and traced on the way. */
function answerClient(
  generation: Generation,
  plan: RoutePlan,
  answer: PlanAnswer,
): Response | Promise<Response> {
  const served = answer.kind === "upstream" ? answer.attempt : answer.served;
  if (answer.kind === "composed")
    generation.trace.decision.reason = `${plan.reason}: ${answer.reason}`;
  const fastPath =
    answer.kind === "upstream" && fastPathOf(generation.binding, answer.adapter) !== undefined;
  generation.trace.fast_path = fastPath;
  if (generation.binding.onServed) {
    const standings = generation.admission?.check.standings ?? [];
    const spendKeys = standings.map((standing) => standing.key);
    generation.binding.onServed(served, fastPath, spendKeys);
  }
  return generation.canonical.stream
    ? answerStream(generation, answer, served, fastPath)
    : answerBody(generation, answer, served, fastPath);
}

/**
 * One attempt's upstream call: the client's body (fast path, made at once) or a translation of
 * it (the adapter may have to read something first).
 */
function upstreamCall(
  generation: Generation,
  attempt: Attempt,
  adapter: ProviderAdapter,
): UpstreamCall | Promise<UpstreamCall> {
  const { canonical } = generation;
  const target = { provider: attempt.provider, model: attempt.model };
  const fastPath = fastPathOf(generation.binding, adapter);
  if (fastPath) {
    const prepared = generation.binding.passthroughBody(
      generation.body,
      attempt.model,
      canonical.stream,
      attempt.provider,
    );
    if (prepared.warnings) generation.warnings.push(...prepared.warnings);
    return fastPath(prepared.body, canonical.stream, target, canonical.forwardHeaders);
  }
  return translatedCall(generation, attempt, adapter, target);
}

async function translatedCall(
  generation: Generation,
  attempt: Attempt,
  adapter: ProviderAdapter,
  target: { provider: Attempt["provider"]; model: string },
): Promise<UpstreamCall> {
  const refusals = generation.binding.beforeTranslation?.(target);
  if (refusals) generation.warnings.push(...refusals);
  const built = await adapter.buildRequest(
    { ...generation.canonical, model: attempt.model } satisfies CanonicalRequest,
    target,
  );
  generation.warnings.push(...built.warnings);
  return built.value;
}

/**
 * The adapter's builder for the binding's same-shape fast path: the binding's choice, or the
 * adapter's passthrough when it speaks the surface's shape. Undefined: the request is translated.
 */
function fastPathOf(
  binding: SurfaceBinding,
  adapter: ProviderAdapter,
): FastPathBuilder | undefined {
  if (binding.fastPath) return binding.fastPath(adapter);
  if (adapter.shape !== binding.surface.shape || !adapter.buildPassthrough) return undefined;
  return adapter.buildPassthrough;
}
