// OpenAI's Batch API passed through (create, retrieve, list, cancel) to the provider holding the
// batch's input file. Creation reads the input file back from that provider, line by line, to
// estimate the batch's cost at the batch price and admit it against the budgets (402 when it does
// not fit); the batch's owner and admission are remembered per org. A retrieve that sees the batch
// end settles its cost (settle-triggers.ts), and its output and error files are remembered as the
// batch's so reading them finds the same credential.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import { callStored } from "../../pipeline/stored-resource-call.ts";
import { parseJsonObject } from "../parse-body.ts";
import { readObject, SHAPES } from "./answers.ts";
import { admitBatch, endAdmission } from "./batch-budget.ts";
import { BatchEstimator } from "./batch-estimate.ts";
import { type CallContext, newResourceProvider, ownerOf, providerHeaders } from "./call-context.ts";
import { providerFromModel } from "./choose-provider.ts";
import {
  type GatewayBatches,
  gatewayBatchCall,
  gatewayBatchRefusal,
  isGatewayBatchId,
  refuseSpendCapOnPassthrough,
} from "./gateway-batches.ts";
import { jsonlLines, parseObjectLine } from "./jsonl.ts";
import { listOwned } from "./owned-list.ts";
import { readFileRecord, rememberBatch, rememberFile } from "./records.ts";
import { settleOpenAiBatch } from "./settle-triggers.ts";

const ENDED = new Set(["completed", "failed", "expired", "cancelled"]);

export async function createOpenAiBatch(
  call: CallContext,
  runner: GatewayBatches | undefined,
): Promise<Response> {
  const { config, key, context } = call;
  const body = await parseJsonObject(call.request);
  const inputFileId = body.input_file_id;
  if (typeof inputFileId !== "string" || inputFileId === "")
    throw new GatewayError("invalid_request", "input_file_id is required and must be a string", {
      param: "input_file_id",
    });
  const provider = await ownerOf(call, "file", inputFileId);
  const endpoint = typeof body.endpoint === "string" ? body.endpoint : "";
  const estimator = new BatchEstimator(config, key.orgId, provider.vendor);
  let gatewayReason: string | null = null;
  let number = 0;
  for await (const text of inputLines(call, provider, inputFileId)) {
    number += 1;
    const request = requestOfLine(parseObjectLine(text), number);
    const model = request.model as string;
    if (model.startsWith("@") || (runner && providerFromModel(config, key.orgId, model))) {
      const reason = `input file line ${number}: model ${quoteClientValue(model)} names ${model.startsWith("@") ? "a routing config" : "a provider"}`;
      if (!runner) throw gatewayBatchRefusal(reason, "input_file_id");
      gatewayReason ??= reason;
      continue;
    }
    if (providerFromModel(config, key.orgId, model))
      throw new GatewayError(
        "invalid_request",
        `input file line ${number}: model ${quoteClientValue(model)}: a batch runs at the provider holding its input file, so its lines name that provider's models without a prefix`,
        { param: "input_file_id" },
      );
    estimator.add(request, model, {
      embeddings: endpoint.endsWith("/embeddings"),
    });
  }
  if (gatewayReason !== null && runner)
    return createGatewayRun(call, runner, body, gatewayReason, provider, inputFileId);
  refuseSpendCapOnPassthrough(call);
  const estimate = estimator.estimate.usd;
  const admission = admitBatch(call, estimate, Date.now());
  let batch: Record<string, unknown>;
  try {
    const response = await callStored({
      config,
      orgId: key.orgId,
      provider,
      resource: "batches",
      method: "POST",
      path: "",
      body: JSON.stringify(body),
      contentType: "application/json",
    });
    batch = await readObject(response, SHAPES.openai.batch, provider.name);
  } catch (error) {
    endAdmission(call, admission, false, estimate);
    throw error;
  }
  endAdmission(call, admission, true, estimate);
  await rememberBatch(context.state, key.orgId, batch.id as string, {
    provider_id: provider.id,
    surface: "openai",
    project_id: key.projectId,
    key_id: key.id,
    estimate_usd: estimate,
    spend_keys: admission.spendKeys,
    input_file_id: inputFileId,
    tags: call.fields.tags,
    end_user: call.fields.user,
    settlement: null,
  });
  return Response.json(batch, {
    headers: {
      ...providerHeaders(provider),
      ...admission.headers,
      "x-modelux-batch-estimate-usd": estimate.toFixed(6),
    },
  });
}

export async function retrieveOpenAiBatch(
  call: CallContext,
  id: string,
  runner: GatewayBatches | undefined,
): Promise<Response> {
  if (isGatewayBatchId("openai", id)) return gatewayBatchCall(runner, call, "retrieve", id);
  const provider = await ownerOf(call, "batch", id);
  const batch = await batchCall(call, provider, "GET", `/${encodeURIComponent(id)}`);
  await noteBatchFiles(call, provider.id, batch);
  if (ENDED.has(batch.status as string)) settleOpenAiBatch(call, provider, batch as { id: string });
  return Response.json(batch, { headers: providerHeaders(provider) });
}

export async function cancelOpenAiBatch(
  call: CallContext,
  id: string,
  runner: GatewayBatches | undefined,
): Promise<Response> {
  if (isGatewayBatchId("openai", id)) return gatewayBatchCall(runner, call, "cancel", id);
  const provider = await ownerOf(call, "batch", id);
  const batch = await batchCall(call, provider, "POST", `/${encodeURIComponent(id)}/cancel`);
  return Response.json(batch, { headers: providerHeaders(provider) });
}

/** The provider's batches the caller's org created through the gateway (owned-list.ts). */
export async function listOpenAiBatches(call: CallContext): Promise<Response> {
  const { config, key } = call;
  const provider = newResourceProvider(call);
  const list = await listOwned(call, {
    kind: "batch",
    provider,
    shape: SHAPES.openai.batch,
    fetchPage: (query) =>
      callStored({
        config,
        orgId: key.orgId,
        provider,
        resource: "batches",
        method: "GET",
        path: query,
      }),
  });
  return Response.json(list, { headers: providerHeaders(provider) });
}

/** Reading a batch's output file settles it, if a poll has not yet. */
export async function settleFromOutput(call: CallContext, batchId: string): Promise<void> {
  const provider = await ownerOf(call, "batch", batchId);
  const batch = await batchCall(call, provider, "GET", `/${encodeURIComponent(batchId)}`);
  if (ENDED.has(batch.status as string)) settleOpenAiBatch(call, provider, batch as { id: string });
}

async function batchCall(
  call: CallContext,
  provider: Awaited<ReturnType<typeof ownerOf>>,
  method: "GET" | "POST",
  path: string,
): Promise<Record<string, unknown>> {
  const response = await callStored({
    config: call.config,
    orgId: call.key.orgId,
    provider,
    resource: "batches",
    method,
    path,
  });
  return readObject(response, SHAPES.openai.batch, provider.name);
}

/** The output and error files a batch wrote belong to its provider (and to the batch). */
async function noteBatchFiles(
  call: CallContext,
  providerId: string,
  batch: Record<string, unknown>,
) {
  for (const field of ["output_file_id", "error_file_id"]) {
    const id = batch[field];
    if (typeof id !== "string" || id === "") continue;
    const known = await readFileRecord(call.context.state, call.key.orgId, id);
    if (known?.batch_id === batch.id) continue;
    await rememberFile(call.context.state, call.key.orgId, id, {
      provider_id: providerId,
      batch_id: batch.id as string,
    });
  }
}

/** The input file's lines, read back from the provider holding it, one at a time. */
async function* inputLines(
  call: CallContext,
  provider: Awaited<ReturnType<typeof ownerOf>>,
  inputFileId: string,
): AsyncGenerator<string> {
  const input = await callStored({
    config: call.config,
    orgId: call.key.orgId,
    provider,
    resource: "files",
    method: "GET",
    path: `/${encodeURIComponent(inputFileId)}/content`,
    signal: call.request.signal,
  });
  if (input.body) yield* jsonlLines(input.body);
}

function requestOfLine(
  line: Record<string, unknown> | null,
  number: number,
): Record<string, unknown> {
  const request = line?.body;
  if (typeof request !== "object" || request === null || Array.isArray(request))
    throw new GatewayError(
      "invalid_request",
      `input file line ${number}: not a batch request line ({custom_id, method, url, body})`,
      { param: "input_file_id" },
    );
  const model = (request as Record<string, unknown>).model;
  if (typeof model !== "string" || model === "")
    throw new GatewayError("invalid_request", `input file line ${number}: body.model is required`, {
      param: "input_file_id",
    });
  return request as Record<string, unknown>;
}

const GATEWAY_RUN_FIELDS = new Set(["input_file_id", "endpoint", "completion_window", "metadata"]);
const GATEWAY_RUN_ENDPOINTS = new Set(["/v1/chat/completions", "/v1/embeddings"]);

/**
 * A batch the gateway runs: its input file read again (the first pass only looked), each line's
 * url checked against the endpoint, handed to the runner as it is read (stored a chunk at a
 * time: a 200 MB file is never whole in memory). The gateway reads the input file back from the
 * provider it was uploaded to, as it does for a passthrough batch's estimate.
 */
async function createGatewayRun(
  call: CallContext,
  runner: GatewayBatches,
  body: Record<string, unknown>,
  reason: string,
  provider: Awaited<ReturnType<typeof ownerOf>>,
  inputFileId: string,
): Promise<Response> {
  for (const field of Object.keys(body))
    if (!GATEWAY_RUN_FIELDS.has(field))
      throw new GatewayError(
        "invalid_request",
        `${quoteClientValue(field)}: not a field of a batch the gateway runs`,
        { param: field },
      );
  const endpoint = body.endpoint;
  if (typeof endpoint !== "string" || !GATEWAY_RUN_ENDPOINTS.has(endpoint))
    throw new GatewayError(
      "invalid_request",
      `endpoint: a batch the gateway runs takes ${[...GATEWAY_RUN_ENDPOINTS].join(" or ")}`,
      { param: "endpoint" },
    );
  const window = body.completion_window;
  if (window !== undefined && typeof window !== "string")
    throw new GatewayError("invalid_request", "completion_window must be a string", {
      param: "completion_window",
    });
  const metadata = body.metadata;
  if (
    metadata !== undefined &&
    metadata !== null &&
    (typeof metadata !== "object" ||
      Array.isArray(metadata) ||
      Object.values(metadata).some((value) => typeof value !== "string"))
  )
    throw new GatewayError("invalid_request", "metadata must be an object of strings", {
      param: "metadata",
    });
  // Read a second time (the first pass only looked), line by line as the runner stores them.
  async function* requests() {
    let number = 0;
    for await (const text of inputLines(call, provider, inputFileId)) {
      number += 1;
      const line = parseObjectLine(text);
      const customId = line?.custom_id;
      // Unique in the file: checked by the control plane as it stores the lines (no list of
      // ids is held here).
      if (typeof customId !== "string" || customId === "")
        throw new GatewayError(
          "invalid_request",
          `input file line ${number}: custom_id must be a string unique in the file`,
          { param: "input_file_id" },
        );
      if (line?.url !== endpoint)
        throw new GatewayError(
          "invalid_request",
          `input file line ${number}: url must be the batch's endpoint ${endpoint}`,
          { param: "input_file_id" },
        );
      yield { customId, body: requestOfLine(line, number) };
    }
  }
  return runner.create(call, {
    reason,
    endpoint,
    inputFileId,
    completionWindow: (window as string | undefined) ?? null,
    metadata: (metadata as Record<string, string> | null | undefined) ?? null,
    requests: requests(),
  });
}
