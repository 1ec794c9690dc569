// One call on a file or batch at the provider that holds it (the files-batches surface's way to a
// vendor, through the adapter registry as every pipeline step): the adapter's URL and auth, the
// client's body streamed through as it arrives (never read whole: a multipart upload keeps its
// bytes and boundary), and a failure as the closed error set in the caller's shape, never the
// upstream's body.
import { EgressRefusedError } from "#shared/egress/policy.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { streamReadFailure, upstreamToGatewayError } from "#shared/errors/upstream-error.ts";
import { BodyTooLargeError } from "#shared/http/request-guard.ts";
import type { StoredResource, WireShape } from "../providers/adapter.ts";
import { adapterFor } from "../providers/registry.ts";
import type { RuntimeConfig, RuntimeProvider } from "../snapshot/runtime-config.ts";
import { redactorFor } from "./org-secrets.ts";
import { upstreamFetch } from "./upstream-fetch.ts";

export interface StoredCall {
  config: RuntimeConfig;
  orgId: string;
  provider: RuntimeProvider;
  resource: StoredResource;
  method: "GET" | "POST" | "DELETE";
  /** After the resource's root, query included. */
  path: string;
  /** The client's body as it arrives, a spooled file, or JSON text. */
  body?: ReadableStream<Uint8Array> | Blob | string;
  contentType?: string;
  forwardHeaders?: Record<string, string>;
  signal?: AbortSignal;
}

/** Whether the provider's vendor serves files and batches in this shape. */
export function servesStoredResources(provider: RuntimeProvider, shape: WireShape): boolean {
  const adapter = adapterFor(provider.vendor);
  return adapter?.shape === shape && adapter.buildStoredResource !== undefined;
}

/** The upstream's 2xx answer (its body unread); anything else is thrown as a GatewayError. */
export async function callStored(call: StoredCall): Promise<Response> {
  const adapter = adapterFor(call.provider.vendor);
  const build = adapter?.buildStoredResource?.bind(adapter);
  if (!adapter || !build)
    throw new GatewayError(
      "invalid_request",
      `provider "${call.provider.name}" (${call.provider.vendor}) serves no files or batches`,
    );
  const built = await build(call.resource, call.path, call.provider, call.forwardHeaders ?? {});
  const headers: Record<string, string> = { ...built.headers };
  if (call.contentType) headers["content-type"] = call.contentType;
  const where = call.provider.name;
  let response: Response;
  try {
    response = await upstreamFetch(built.url, {
      method: call.method,
      headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      // A stream goes up while it arrives (request.body piped, not buffered).
      ...(call.body instanceof ReadableStream ? { duplex: "half" } : {}),
      ...(call.signal ? { signal: call.signal } : {}),
    } as RequestInit);
  } catch (error) {
    throw sendFailure(error, where, call.signal);
  }
  if (response.ok) return response;
  const text = await response.text().catch(() => "");
  const failure = adapter.parseError(response.status, text, response.headers);
  throw upstreamToGatewayError(failure, where, redactorFor(call.config, call.orgId, null));
}

function sendFailure(error: unknown, where: string, signal?: AbortSignal): GatewayError {
  // The client's upload went over the limit while it was streamed up (the guard cut it).
  if (error instanceof BodyTooLargeError || (error as Error)?.cause instanceof BodyTooLargeError)
    return new GatewayError("payload_too_large", (error as Error).message);
  if (signal?.aborted) return new GatewayError("invalid_request", "client closed the request");
  if (error instanceof EgressRefusedError)
    return new GatewayError("upstream_error", `${where}: ${error.message}`);
  const failure = streamReadFailure(error);
  return new GatewayError(failure.kind, `${where} unreachable`);
}
