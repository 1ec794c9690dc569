// What every file and batch call starts with: the current snapshot, the caller's key (401 in the
// caller's shape), its modelux headers (tags and end user for budgets; a caller's own provider
// key and dry runs are refused here, not ignored), and where a known id lives.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import type { DataPlaneContext } from "../../context.ts";
import { authenticate } from "../../pipeline/authenticate.ts";
import { type ModeluxFields, readModeluxFields } from "../../pipeline/request-context.ts";
import type {
  RuntimeApiKey,
  RuntimeConfig,
  RuntimeProvider,
} from "../../snapshot/runtime-config.ts";
import { defaultProvider, providerFromHeader } from "./choose-provider.ts";
import { readBatchRecord, readFileRecord } from "./records.ts";

export type Surface = "openai" | "anthropic";

export interface CallContext {
  context: DataPlaneContext;
  config: RuntimeConfig;
  key: RuntimeApiKey;
  requestId: string;
  surface: Surface;
  fields: ModeluxFields;
  request: Request;
}

export function openCall(
  request: Request,
  context: DataPlaneContext,
  requestId: string,
  surface: Surface,
): CallContext {
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  const fields = readModeluxFields({}, request.headers);
  if (fields.providerKeys !== null)
    throw new GatewayError(
      "invalid_request",
      "X-Modelux-Provider-Key is not accepted on files and batches: they stay with a provider of the org",
      { param: "x-modelux-provider-key" },
    );
  if (fields.dryRun)
    throw new GatewayError(
      "invalid_request",
      "X-Modelux-Dry-Run is not accepted on files and batches",
      {
        param: "x-modelux-dry-run",
      },
    );
  return { context, config, key, requestId, surface, fields, request };
}

/**
 * The provider a new file or batch (or a list) goes to: the one `X-Modelux-Provider` names, else
 * the surface vendor's default provider.
 */
export function newResourceProvider(call: CallContext): RuntimeProvider {
  const { config, key, surface, request } = call;
  return (
    providerFromHeader(config, key.orgId, surface, request.headers) ??
    defaultProvider(config, key.orgId, surface)
  );
}

/** The provider holding a file or batch the org made through the gateway; 404 otherwise. */
export async function ownerOf(
  call: CallContext,
  kind: "file" | "batch",
  id: string,
): Promise<RuntimeProvider> {
  const { context, config, key, surface } = call;
  const record =
    kind === "file"
      ? await readFileRecord(context.state, key.orgId, id)
      : (await readBatchRecord(context.state, key.orgId, id))?.record;
  const named = providerFromHeader(config, key.orgId, surface, call.request.headers);
  if (record) {
    const provider = config.providersById.get(record.provider_id);
    if (!provider || provider.orgId !== key.orgId)
      throw new GatewayError(
        "not_found",
        `the provider that holds ${kind} ${quoteClientValue(id)} no longer exists`,
      );
    if (named && named.id !== provider.id)
      throw new GatewayError(
        "invalid_request",
        `X-Modelux-Provider: ${kind} ${quoteClientValue(id)} is held by provider "${provider.name}"`,
        { param: "x-modelux-provider" },
      );
    return provider;
  }
  // Made outside the gateway: the caller says where, on one of its org's own providers.
  if (named) return named;
  throw new GatewayError("not_found", `no ${kind} ${quoteClientValue(id)}`);
}

/** Headers for an answer from a provider. */
export function providerHeaders(provider: RuntimeProvider): Record<string, string> {
  return { "x-modelux-provider-used": provider.name };
}
