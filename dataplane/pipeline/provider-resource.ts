// A call on something one provider keeps for the caller (a stored response run in the
// background): made with that provider's credential, through its adapter, within a timeout. A
// failure is the closed error set's, scrubbed, never the upstream's body; the 2xx answer is the
// caller's to read (JSON or a stream).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { upstreamToGatewayError } from "#shared/errors/upstream-error.ts";
import type { AdapterTarget, ProviderAdapter, ResourceCall } from "../providers/adapter.ts";
import { adapterFor } from "../providers/registry.ts";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";
import { attemptSignal } from "./execute-attempts.ts";
import { redactorFor } from "./org-secrets.ts";
import { type ProviderKeys, withOwnKey } from "./provider-keys.ts";
import { upstreamFetch } from "./upstream-fetch.ts";

/** A resource read is short; a stream of one is not bounded here (the client holds it). */
const RESOURCE_TIMEOUT_MS = 60_000;

export interface ProviderResource {
  config: RuntimeConfig;
  orgId: string;
  providerId: string;
  /** The model the resource was made with (for vendors whose URLs name it). */
  model: string;
  build(adapter: ProviderAdapter): ((target: AdapterTarget) => Promise<ResourceCall>) | undefined;
  clientSignal?: AbortSignal;
  /** A stream is read for as long as the client reads it. */
  stream?: boolean;
  /**
   * The request's own provider keys (X-Modelux-Provider-Key): what was made on one lives in the
   * caller's account, so it is asked for with that key (docs/provider-keys.md).
   */
  providerKeys: ProviderKeys | null;
}

export async function callProviderResource(resource: ProviderResource): Promise<Response> {
  const stored = resource.config.providersById.get(resource.providerId);
  if (!stored || stored.orgId !== resource.orgId) {
    throw new GatewayError(
      "upstream_error",
      "the provider that holds this resource is no longer configured",
    );
  }
  const provider = withOwnKey(stored, resource.providerKeys);
  const adapter = adapterFor(provider.vendor);
  const build = adapter ? resource.build(adapter) : undefined;
  if (!adapter || !build) {
    throw new GatewayError("upstream_error", `${provider.name} cannot serve this resource`);
  }
  const target = { provider, model: resource.model };
  const call = await build(target);
  const where = `${provider.name}/${resource.model}`;
  const deadline = attemptSignal(
    resource.clientSignal,
    resource.stream ? null : RESOURCE_TIMEOUT_MS,
  );
  let response: Response;
  try {
    response = await upstreamFetch(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.method === "POST" && { body: "{}" }),
      signal: deadline.signal,
    });
  } catch (error) {
    deadline.release();
    if (error instanceof DOMException && error.name === "TimeoutError")
      throw new GatewayError("timeout", `${where} timed out`);
    throw new GatewayError("upstream_error", `${where} unreachable`);
  }
  if (response.ok) {
    if (!resource.stream) deadline.release();
    return response;
  }
  const text = await response.text().catch(() => "");
  deadline.release();
  const failure = adapter.parseError(response.status, text, response.headers);
  throw upstreamToGatewayError(
    failure,
    where,
    redactorFor(resource.config, resource.orgId, resource.providerKeys),
  );
}
