// Anthropic's Message Batches passed through (create, retrieve, list, cancel, delete, results as
// JSONL) to one provider credential. Creation reads the body a request at a time (spool-requests):
// each request's model picks the provider (`provider/model`; all must agree) unless the
// X-Modelux-Provider header names one, the prefix is taken off, the batch's cost is estimated at
// the batch price and admitted against the budgets (402 when it does not fit). `results_url`
// answers point at the gateway. A retrieve that sees the batch end, or a first read of its results,
// settles its cost (settle-triggers.ts).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import { callStored, servesStoredResources } from "../../pipeline/stored-resource-call.ts";
import type { RuntimeProvider } from "../../snapshot/runtime-config.ts";
import { readObject, SHAPES } from "./answers.ts";
import { admitBatch, endAdmission } from "./batch-budget.ts";
import { BatchEstimator } from "./batch-estimate.ts";
import { type CallContext, newResourceProvider, ownerOf, providerHeaders } from "./call-context.ts";
import { defaultProvider, providerFromHeader, providerFromModel } from "./choose-provider.ts";
import { forwardedHeaders } from "./files.ts";
import {
  type GatewayBatches,
  gatewayBatchCall,
  gatewayBatchRefusal,
  isGatewayBatchId,
  refuseSpendCapOnPassthrough,
} from "./gateway-batches.ts";
import { listOwned } from "./owned-list.ts";
import { rememberBatch } from "./records.ts";
import { settleAnthropicBatch } from "./settle-triggers.ts";
import { spooledRequests, spoolRequests } from "./spool-requests.ts";

export async function createAnthropicBatch(
  call: CallContext,
  runner: GatewayBatches | undefined,
): Promise<Response> {
  const { config, key, context, request } = call;
  if (request.body === null)
    throw new GatewayError("invalid_request", "requests is required", { param: "requests" });
  const named = providerFromHeader(config, key.orgId, "anthropic", request.headers);
  let provider: RuntimeProvider | null = named;
  let estimator: BatchEstimator | null = null;
  // With a runner, a request on a config or on a provider without Anthropic batches makes the
  // whole batch the gateway's; a provider mismatch only matters for a passthrough batch.
  let gatewayReason: string | null = null;
  let mismatch: GatewayError | null = null;
  const prefixedModels = new Map<number, string>();
  const spooled = await spoolRequests(request.body, call.requestId, (entry, index) => {
    const params = entry.params;
    if (typeof params !== "object" || params === null || Array.isArray(params))
      throw new GatewayError("invalid_request", `requests.${index}.params: must be an object`, {
        param: `requests.${index}.params`,
      });
    const model = (params as Record<string, unknown>).model;
    if (typeof model !== "string" || model === "")
      throw new GatewayError("invalid_request", `requests.${index}.params.model is required`, {
        param: `requests.${index}.params.model`,
      });
    if (model.startsWith("@")) {
      const reason = `requests.${index}.params.model ${quoteClientValue(model)} names a routing config`;
      if (!runner) throw gatewayBatchRefusal(reason, `requests.${index}.params.model`);
      gatewayReason ??= reason;
      return entry;
    }
    const prefixed = named ? null : providerFromModel(config, key.orgId, model);
    if (runner && prefixed && !servesStoredResources(prefixed.provider, "anthropic")) {
      gatewayReason ??= `requests.${index}.params.model ${quoteClientValue(model)} names a provider without Anthropic batches`;
      return entry;
    }
    if (gatewayReason !== null) return entry;
    const chosen = prefixed?.provider ?? named ?? defaultProvider(config, key.orgId, "anthropic");
    if (provider === null) provider = chosen;
    else if (provider.id !== chosen.id) {
      mismatch ??= new GatewayError(
        "invalid_request",
        `requests.${index}.params.model ${quoteClientValue(model)}: a batch runs at one provider, and an earlier request named "${provider.name}"`,
        { param: `requests.${index}.params.model` },
      );
      if (!runner) throw mismatch;
      return entry;
    }
    if (prefixed) prefixedModels.set(index, model);
    const upstreamModel = prefixed?.model ?? model;
    estimator ??= new BatchEstimator(config, key.orgId, chosen.vendor);
    estimator.add(params as Record<string, unknown>, upstreamModel);
    return prefixed ? { ...entry, params: { ...(params as object), model: upstreamModel } } : entry;
  });
  try {
    if (gatewayReason !== null && runner)
      return await createGatewayRun(call, runner, gatewayReason, spooled.file, prefixedModels);
    refuseSpendCapOnPassthrough(call);
    if (mismatch) throw mismatch;
    const target = provider as RuntimeProvider | null;
    if (target === null || estimator === null)
      throw new GatewayError("invalid_request", "requests: at least one request is required", {
        param: "requests",
      });
    const estimate = (estimator as BatchEstimator).estimate.usd;
    const admission = admitBatch(call, estimate, Date.now());
    let batch: Record<string, unknown>;
    try {
      const response = await callStored({
        config,
        orgId: key.orgId,
        provider: target,
        resource: "batches",
        method: "POST",
        path: "",
        body: spooled.file,
        contentType: "application/json",
        forwardHeaders: forwardedHeaders(call),
      });
      batch = await readObject(response, SHAPES.anthropic.batch, target.name);
    } catch (error) {
      endAdmission(call, admission, false, estimate);
      throw error;
    }
    endAdmission(call, admission, true, estimate);
    await rememberBatch(context.state, key.orgId, batch.id as string, {
      provider_id: target.id,
      surface: "anthropic",
      project_id: key.projectId,
      key_id: key.id,
      estimate_usd: estimate,
      spend_keys: admission.spendKeys,
      tags: call.fields.tags,
      end_user: call.fields.user,
      settlement: null,
    });
    return Response.json(withGatewayResults(call, batch), {
      headers: {
        ...providerHeaders(target),
        ...admission.headers,
        "x-modelux-batch-estimate-usd": estimate.toFixed(6),
      },
    });
  } finally {
    await spooled.dispose();
  }
}

export async function anthropicBatchCall(
  call: CallContext,
  operation: "retrieve" | "cancel" | "delete",
  id: string,
  runner: GatewayBatches | undefined,
): Promise<Response> {
  if (isGatewayBatchId("anthropic", id)) return gatewayBatchCall(runner, call, operation, id);
  const provider = await ownerOf(call, "batch", id);
  const path = `/${encodeURIComponent(id)}${operation === "cancel" ? "/cancel" : ""}`;
  const response = await callStored({
    config: call.config,
    orgId: call.key.orgId,
    provider,
    resource: "batches",
    method: operation === "retrieve" ? "GET" : operation === "cancel" ? "POST" : "DELETE",
    path,
    forwardHeaders: forwardedHeaders(call),
  });
  const shape = operation === "delete" ? SHAPES.anthropic.deleted : SHAPES.anthropic.batch;
  const answer = await readObject(response, shape, provider.name);
  if (operation === "retrieve" && answer.processing_status === "ended")
    settleAnthropicBatch(call, provider, id);
  return Response.json(operation === "delete" ? answer : withGatewayResults(call, answer), {
    headers: providerHeaders(provider),
  });
}

/** The provider's batches the caller's org created through the gateway (owned-list.ts). */
export async function listAnthropicBatches(call: CallContext): Promise<Response> {
  const { config, key } = call;
  const provider = newResourceProvider(call);
  const list = await listOwned(call, {
    kind: "batch",
    provider,
    shape: SHAPES.anthropic.batch,
    fetchPage: (query) =>
      callStored({
        config,
        orgId: key.orgId,
        provider,
        resource: "batches",
        method: "GET",
        path: query,
        forwardHeaders: forwardedHeaders(call),
      }),
  });
  list.data = (list.data as Array<Record<string, unknown>>).map((batch) =>
    withGatewayResults(call, batch),
  );
  return Response.json(list, { headers: providerHeaders(provider) });
}

/** The batch's results, streamed as the provider sends them; the first read settles its cost. */
export async function anthropicBatchResults(
  call: CallContext,
  id: string,
  runner: GatewayBatches | undefined,
): Promise<Response> {
  if (isGatewayBatchId("anthropic", id)) return gatewayBatchCall(runner, call, "results", id);
  const provider = await ownerOf(call, "batch", id);
  const response = await callStored({
    config: call.config,
    orgId: call.key.orgId,
    provider,
    resource: "batches",
    method: "GET",
    path: `/${encodeURIComponent(id)}/results`,
    forwardHeaders: forwardedHeaders(call),
    signal: call.request.signal,
  });
  settleAnthropicBatch(call, provider, id);
  return new Response(response.body, {
    headers: { ...providerHeaders(provider), "content-type": "application/x-jsonl" },
  });
}

/** `results_url` on the gateway (the SDK fetches it as given), never the provider's address. */
function withGatewayResults(
  call: CallContext,
  batch: Record<string, unknown>,
): Record<string, unknown> {
  if (typeof batch.results_url !== "string" || batch.results_url === "") return batch;
  const origin = new URL(call.request.url).origin;
  return {
    ...batch,
    results_url: `${origin}/anthropic/v1/messages/batches/${encodeURIComponent(batch.id as string)}/results`,
  };
}

/**
 * A batch the gateway runs: the spooled requests, each model as the client wrote it (a
 * `provider/` prefix the passthrough path took off is put back), handed to the runner a request
 * at a time as the spool is read back.
 */
async function createGatewayRun(
  call: CallContext,
  runner: GatewayBatches,
  reason: string,
  file: Blob,
  prefixedModels: Map<number, string>,
): Promise<Response> {
  // The spooled requests read back one at a time, as the runner stores them.
  async function* requests() {
    let index = 0;
    for await (const entry of spooledRequests(file)) {
      const customId = entry.custom_id;
      // Unique in the batch: checked by the control plane as it stores the requests.
      if (typeof customId !== "string" || customId === "")
        throw new GatewayError(
          "invalid_request",
          `requests.${index}.custom_id must be a string unique in the batch`,
          { param: `requests.${index}.custom_id` },
        );
      const params = entry.params as Record<string, unknown>;
      const model = prefixedModels.get(index);
      index += 1;
      yield { customId, body: model ? { ...params, model } : params };
    }
  }
  return runner.create(call, {
    reason,
    endpoint: "/v1/messages",
    inputFileId: null,
    completionWindow: null,
    metadata: null,
    requests: requests(),
  });
}
