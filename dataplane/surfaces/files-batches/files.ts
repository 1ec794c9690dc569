// Files on both surfaces, passed through to the provider credential that holds them: upload
// (multipart streamed up as it arrives, bytes and boundary untouched), list, metadata, content
// (streamed down), delete. The uploader's provider is remembered per org in the state store.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { callStored } from "../../pipeline/stored-resource-call.ts";
import type { RuntimeProvider } from "../../snapshot/runtime-config.ts";
import { readObject, SHAPES } from "./answers.ts";
import { type CallContext, newResourceProvider, ownerOf, providerHeaders } from "./call-context.ts";
import { listOwned } from "./owned-list.ts";
import { forgetFile, readFileRecord, rememberFile } from "./records.ts";

/** Anthropic's versioning and betas go upstream verbatim; OpenAI's files take none. */
export function forwardedHeaders(call: CallContext): Record<string, string> {
  if (call.surface !== "anthropic") return {};
  const forwarded: Record<string, string> = {};
  for (const name of ["anthropic-version", "anthropic-beta"]) {
    const value = call.request.headers.get(name);
    if (value) forwarded[name] = value;
  }
  return forwarded;
}

/** A call on the provider's files: `path` under its files resource, this surface's headers. */
function filesCall(
  call: CallContext,
  provider: RuntimeProvider,
  method: "GET" | "DELETE",
  path: string,
  signal?: AbortSignal,
): Promise<Response> {
  return callStored({
    config: call.config,
    orgId: call.key.orgId,
    provider,
    resource: "files",
    method,
    path,
    forwardHeaders: forwardedHeaders(call),
    ...(signal ? { signal } : {}),
  });
}

export async function uploadFile(call: CallContext): Promise<Response> {
  const { request, config, key } = call;
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;\s*boundary=/i.test(contentType))
    throw new GatewayError("invalid_request", "a file upload must be multipart/form-data", {
      param: "content-type",
    });
  if (request.body === null)
    throw new GatewayError("invalid_request", "a file upload needs a body", { param: "file" });
  const provider = newResourceProvider(call);
  const response = await callStored({
    config,
    orgId: key.orgId,
    provider,
    resource: "files",
    method: "POST",
    path: "",
    body: request.body,
    contentType,
    forwardHeaders: forwardedHeaders(call),
    signal: request.signal,
  });
  const file = await readObject(response, SHAPES[call.surface].file, provider.name);
  await rememberFile(call.context.state, key.orgId, file.id as string, {
    provider_id: provider.id,
  });
  return Response.json(file, { headers: providerHeaders(provider) });
}

/** The provider's files the caller's org uploaded through the gateway (owned-list.ts). */
export async function listFiles(call: CallContext): Promise<Response> {
  const provider = newResourceProvider(call);
  const list = await listOwned(call, {
    kind: "file",
    provider,
    shape: SHAPES[call.surface].file,
    fetchPage: (query) =>
      callStored({
        config: call.config,
        orgId: call.key.orgId,
        provider,
        resource: "files",
        method: "GET",
        path: query,
        forwardHeaders: forwardedHeaders(call),
      }),
  });
  return Response.json(list, { headers: providerHeaders(provider) });
}

export async function retrieveFile(call: CallContext, id: string): Promise<Response> {
  const provider = await ownerOf(call, "file", id);
  const response = await filesCall(call, provider, "GET", `/${encodeURIComponent(id)}`);
  const file = await readObject(response, SHAPES[call.surface].file, provider.name);
  return Response.json(file, { headers: providerHeaders(provider) });
}

/**
 * The file's bytes, streamed from the provider as they come. Reading a batch's output is one of
 * the moments its cost is settled (`onBatchOutput`).
 */
export async function fileContent(
  call: CallContext,
  id: string,
  onBatchOutput: (batchId: string) => void,
): Promise<Response> {
  const provider = await ownerOf(call, "file", id);
  const response = await filesCall(
    call,
    provider,
    "GET",
    `/${encodeURIComponent(id)}/content`,
    call.request.signal,
  );
  const record = await readFileRecord(call.context.state, call.key.orgId, id);
  if (record?.batch_id) onBatchOutput(record.batch_id);
  return new Response(response.body, {
    headers: {
      ...providerHeaders(provider),
      "content-type": contentTypeOf(response),
      ...(response.headers.get("content-length")
        ? { "content-length": response.headers.get("content-length") as string }
        : {}),
    },
  });
}

export async function deleteFile(call: CallContext, id: string): Promise<Response> {
  const provider = await ownerOf(call, "file", id);
  const response = await filesCall(call, provider, "DELETE", `/${encodeURIComponent(id)}`);
  const deleted = await readObject(response, SHAPES[call.surface].deleted, provider.name);
  await forgetFile(call.context.state, call.key.orgId, id);
  return Response.json(deleted, { headers: providerHeaders(provider) });
}

/** A file's own type (a document, JSONL), never anything that would make a browser run it. */
function contentTypeOf(response: Response): string {
  const type = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  return type && !/html|javascript|xml/.test(type) ? type : "application/octet-stream";
}
