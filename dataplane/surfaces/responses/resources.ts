// A stored response's endpoints: retrieve (and replay as a stream), input items, cancel, delete.
// Served from the gateway's store, scoped to the caller's org (another org's id is a 404 as any
// unknown one). A response an upstream runs in the background is read, cancelled and deleted
// there too, with the credential of the provider that made it; errors the closed set's.
import { StateValueTooLargeError } from "#shared/bus/state-store.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { DataPlaneContext } from "../../context.ts";
import { authenticate } from "../../pipeline/authenticate.ts";
import { redactorFor } from "../../pipeline/org-secrets.ts";
import { parseProviderKeys } from "../../pipeline/provider-keys.ts";
import { callProviderResource } from "../../pipeline/provider-resource.ts";
import type { RuntimeApiKey, RuntimeConfig } from "../../snapshot/runtime-config.ts";
import { transformChunks } from "../sse-events.ts";
import { settleBackground } from "./background-billing.ts";
import { invalid } from "./parse-request.ts";
import { createResponsesPassthrough } from "./passthrough-stream.ts";
import { replayEvents } from "./replay.ts";
import { ResponseStore, responseNotFound, type StoredEntry } from "./response-store.ts";
import type { StoredResponse } from "./stored-response.ts";
import { isRecord } from "./usage.ts";

interface Caller {
  context: DataPlaneContext;
  config: RuntimeConfig;
  key: RuntimeApiKey;
  store: ResponseStore;
  query: URLSearchParams;
}

function caller(request: Request, context: DataPlaneContext, allowed: readonly string[]): Caller {
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  const query = new URL(request.url).searchParams;
  for (const name of query.keys()) {
    if (!allowed.includes(name.replace(/\[\]$/, "")))
      throw invalid(name, `unknown query parameter (accepted: ${allowed.join(", ")})`);
  }
  return { context, config, key, store: new ResponseStore(context.state, key.orgId), query };
}

const json = (body: unknown) => Response.json(body);
const jsonText = (body: string) =>
  new Response(body, { headers: { "content-type": "application/json;charset=utf-8" } });

/** `GET /responses/{id}`, `?stream=true` replays it as the stream that delivered it. */
export async function retrieveResponse(
  request: Request,
  context: DataPlaneContext,
  id: string,
): Promise<Response> {
  const who = caller(request, context, [
    "stream",
    "starting_after",
    "include",
    "include_obfuscation",
  ]);
  const { config, key, store, query } = who;
  const entry = await store.getWithJson(id);
  if (!entry) throw responseNotFound(id);
  const stream = booleanParam(query, "stream");
  const startingAfter = integerParam(query, "starting_after", -1);
  if (entry.record.background && entry.record.upstream_stored) {
    const upstream = await upstreamCall(
      config,
      key,
      entry,
      "GET",
      `/${encodeURIComponent(id)}${search(query)}`,
      request,
      stream,
    );
    if (stream) return sse(readUpstreamStream(upstream, who, entry));
    const body = await upstreamJson(upstream, entry);
    await keepLatest(who, entry, body);
    return json(body);
  }
  // What the gateway stored is what it can show: the reasoning's encrypted content is always
  // kept; anything else `include` asks for, or obfuscation, cannot be made up afterwards.
  refuseUnkept(query, "include", ["reasoning.encrypted_content"]);
  if (booleanParam(query, "include_obfuscation"))
    throw invalid(
      "include_obfuscation",
      "responses the gateway stored are replayed without obfuscation",
    );
  // As stored: a passthrough's response as its upstream sent it, byte for byte.
  if (!stream) return jsonText(entry.responseJson);
  return sse(replayEvents(entry.record.response, startingAfter));
}

/** `GET /responses/{id}/input_items`: OpenAI's list, `limit` 1–100, `order`, `after`. */
export async function listInputItems(
  request: Request,
  context: DataPlaneContext,
  id: string,
): Promise<Response> {
  const { store, query } = caller(request, context, [
    "limit",
    "order",
    "after",
    "include",
    "before",
  ]);
  const entry = await store.require(id);
  // Input items are kept whole, images and encrypted reasoning included.
  refuseUnkept(query, "include", [
    "message.input_image.image_url",
    "computer_call_output.output.image_url",
    "reasoning.encrypted_content",
  ]);
  const limit = integerParam(query, "limit", 20);
  if (limit < 1 || limit > 100) throw invalid("limit", "must be an integer from 1 to 100");
  const order = query.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") throw invalid("order", "must be asc or desc");
  let items = order === "desc" ? [...entry.inputs].reverse() : [...entry.inputs];
  for (const [name, keepAfter] of [
    ["after", true],
    ["before", false],
  ] as const) {
    const cursor = query.get(name);
    if (cursor === null) continue;
    const at = items.findIndex((item) => item.id === cursor);
    if (at === -1) throw invalid(name, `no input item ${JSON.stringify(cursor.slice(0, 100))}`);
    items = keepAfter ? items.slice(at + 1) : items.slice(0, at);
  }
  const data = items.slice(0, limit);
  return json({
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: items.length > limit,
  });
}

/** `POST /responses/{id}/cancel`: background responses only, as OpenAI. */
export async function cancelResponse(
  request: Request,
  context: DataPlaneContext,
  id: string,
): Promise<Response> {
  const who = caller(request, context, []);
  const { config, key, store } = who;
  const entry = await store.require(id);
  if (!entry.record.background || !entry.record.upstream_stored)
    throw new GatewayError(
      "invalid_request",
      "Only responses created with background=true can be cancelled.",
    );
  const upstream = await upstreamCall(
    config,
    key,
    entry,
    "POST",
    `/${encodeURIComponent(id)}/cancel`,
    request,
    false,
  );
  const body = await upstreamJson(upstream, entry);
  await keepLatest(who, entry, body);
  return json(body);
}

/** `DELETE /responses/{id}`: gone from the gateway, and from the upstream that kept it. */
export async function deleteResponse(
  request: Request,
  context: DataPlaneContext,
  id: string,
): Promise<Response> {
  const { config, key, store } = caller(request, context, []);
  const entry = await store.require(id);
  if (entry.record.upstream_stored) {
    try {
      const upstream = await upstreamCall(
        config,
        key,
        entry,
        "DELETE",
        `/${encodeURIComponent(id)}`,
        request,
        false,
      );
      await upstream.body?.cancel();
    } catch (error) {
      // Already gone upstream (expired there first): the gateway's copy still goes.
      if (!(error instanceof GatewayError) || error.code !== "not_found") throw error;
    }
  }
  await store.delete(id);
  return json({ id, object: "response", deleted: true });
}

function upstreamCall(
  config: RuntimeConfig,
  key: RuntimeApiKey,
  entry: StoredEntry,
  method: "GET" | "POST" | "DELETE",
  path: string,
  request: Request,
  stream: boolean,
): Promise<Response> {
  const model = typeof entry.record.response.model === "string" ? entry.record.response.model : "";
  return callProviderResource({
    config,
    orgId: key.orgId,
    providerId: entry.record.provider.id,
    model,
    build: (adapter) =>
      adapter.buildResponsesResource
        ? (target) => adapter.buildResponsesResource?.(method, path, target) as never
        : undefined,
    clientSignal: request.signal,
    stream,
    providerKeys: parseProviderKeys(request.headers.get("x-modelux-provider-key")),
  });
}

/** The upstream's answer when it is a Response object of this id; anything else is a 502. */
async function upstreamJson(
  upstream: Response,
  entry: StoredEntry,
): Promise<Record<string, unknown>> {
  const text = await upstream.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!isRecord(body) || body.id !== entry.id || body.object !== "response") {
    throw new GatewayError(
      "upstream_error",
      `${entry.record.provider.name} answered with a body that is not this response`,
    );
  }
  return body;
}

/** A background response's latest state, kept (and charged once ended) for later reads. */
/**
 * Stores the upstream's latest state of a background response and charges it once it has ended:
 * a compare-and-set on the stored record, so two data planes reading the end at once charge it
 * once (the one whose write lands). A record too large for a compare-and-set is written plainly.
 */
async function keepLatest(who: Caller, entry: StoredEntry, body: Record<string, unknown>) {
  const settle = (record: StoredResponse) =>
    settleBackground(record, body, who.context, who.config, who.key.orgId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await who.store.recordWithRevision(entry.id);
    if (!current) return; // deleted meanwhile: nothing to keep or charge
    const next = settle(current.record);
    let stored: boolean;
    try {
      stored = await who.store.putRecordIfRevision(next.record, current.revision);
    } catch (error) {
      if (!(error instanceof StateValueTooLargeError)) throw error;
      await who.store.putRecord(next.record);
      stored = true;
    }
    if (stored) {
      next.charge?.();
      return;
    }
  }
}

function readUpstreamStream(
  upstream: Response,
  who: Caller,
  entry: StoredEntry,
): ReadableStream<Uint8Array> {
  const body = upstream.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  return transformChunks(
    body,
    createResponsesPassthrough({
      onUsage: () => {},
      redact: redactorFor(who.config, who.key.orgId, null),
      onFinished: (response) => keepLatest(who, entry, response),
    }),
  );
}

function sse(body: string | ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
  });
}

function search(query: URLSearchParams): string {
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

/** A 400 naming the value when `include` asks for data the gateway's stored copy does not hold. */
function refuseUnkept(query: URLSearchParams, name: string, kept: readonly string[]): void {
  for (const value of [...query.getAll(name), ...query.getAll(`${name}[]`)]) {
    if (!kept.includes(value))
      throw invalid(
        name,
        `${JSON.stringify(value.slice(0, 100))} is not kept by the gateway (kept: ${kept.join(", ")})`,
      );
  }
}

function booleanParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === "false") return false;
  if (value === "true") return true;
  throw invalid(name, "must be true or false");
}

function integerParam(query: URLSearchParams, name: string, fallback: number): number {
  const value = query.get(name);
  if (value === null) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw invalid(name, "must be a non-negative integer");
  return Number(value);
}
