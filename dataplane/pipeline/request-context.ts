// The modelux fields of a request (DESIGN §11): `mlx:*` body fields, `X-Modelux-*` headers,
// and `metadata.user_id|conversation_id|trace_id` as fallbacks. Read once, then the `mlx:`
// fields are removed so no upstream sees them.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { clipText, MAX_QUOTED_CHARS } from "#shared/validation/client-text.ts";
import { type CacheDirectives, readCacheDirectives } from "../cache/cache-directives.ts";
import { type ProviderKeys, parseProviderKeys } from "./provider-keys.ts";

export interface ModeluxFields {
  tags: Record<string, string>;
  user: string | null;
  conversationId: string | null;
  traceId: string | null;
  /** `X-Request-Id`: the caller's own id, echoed back (checked by surfaces/client-request-id.ts). */
  clientRequestId?: string | null;
  /** `mlx:trace: true`: the decision trace goes back in the body. */
  returnTrace: boolean;
  dryRun: boolean;
  /** `X-Modelux-Provider-Key`: the caller's own provider keys, never stored (provider-keys.ts). */
  providerKeys: ProviderKeys | null;
  /** `mlx:cache` and `Cache-Control`: whether the response cache may be read and written. */
  cache?: CacheDirectives;
}

const MAX_TAGS = 64;
/** Read, never written: the metadata of a body without any. */
const NO_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});
const MAX_VALUE = 256;

export function readModeluxFields(body: Record<string, unknown>, headers: Headers): ModeluxFields {
  const metadata =
    typeof body.metadata === "object" && body.metadata !== null
      ? (body.metadata as Record<string, unknown>)
      : NO_METADATA;
  // One object when neither the header nor the body tags the request (most requests).
  const headerValue = headers.get("x-modelux-user-tags");
  const bodyValue = body["mlx:tags"];
  const tags =
    headerValue === null && bodyValue === undefined
      ? {}
      : { ...headerTags(headerValue), ...bodyTags(bodyValue) };
  const returnTrace = body["mlx:trace"];
  if (returnTrace !== undefined && typeof returnTrace !== "boolean")
    throw new GatewayError("invalid_request", "mlx:trace must be a boolean", {
      param: "mlx:trace",
    });
  const endUser = body["mlx:end_user"];
  if (endUser !== undefined && typeof endUser !== "string")
    throw new GatewayError("invalid_request", "mlx:end_user must be a string", {
      param: "mlx:end_user",
    });
  const cache = readCacheDirectives(body["mlx:cache"], headers.get("cache-control"));
  // for-in over the parsed body's own fields: no array of its keys per request.
  for (const field in body) if (field.startsWith("mlx:")) delete body[field];
  const dryRun = headers.get("x-modelux-dry-run");
  return {
    tags,
    user: clip(endUser) ?? clip(headers.get("x-modelux-user-id")) ?? clip(metadata.user_id),
    conversationId:
      clip(headers.get("x-modelux-conversation-id")) ?? clip(metadata.conversation_id),
    traceId: clip(headers.get("x-modelux-trace-id")) ?? clip(metadata.trace_id),
    clientRequestId: clip(headers.get("x-request-id")),
    returnTrace: returnTrace === true,
    dryRun: dryRun !== null && /^(true|1)$/i.test(dryRun.trim()),
    providerKeys: parseProviderKeys(headers.get("x-modelux-provider-key")),
    cache,
  };
}

function clip(value: unknown): string | null {
  if (typeof value !== "string" || value.trim() === "") return null;
  return value.length > MAX_VALUE ? value.slice(0, MAX_VALUE) : value;
}

function bodyTags(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new GatewayError("invalid_request", "mlx:tags must be an object of strings", {
      param: "mlx:tags",
    });
  const entries = Object.entries(value);
  if (entries.length > MAX_TAGS)
    throw new GatewayError("invalid_request", `mlx:tags holds at most ${MAX_TAGS} tags`, {
      param: "mlx:tags",
    });
  const tags: Record<string, string> = {};
  for (const [name, tag] of entries) {
    if (typeof tag !== "string" || tag.length > MAX_VALUE || name.length > MAX_VALUE) {
      // The tag's name is the client's: cut in the answer, as any quoted value.
      const param = `mlx:tags.${clipText(name, MAX_QUOTED_CHARS)}`;
      throw new GatewayError(
        "invalid_request",
        `${param} must be a string of at most ${MAX_VALUE} characters`,
        { param },
      );
    }
    tags[name] = tag;
  }
  return tags;
}

/** `X-Modelux-User-Tags: k=v,k2=v2`; malformed pairs are ignored. */
function headerTags(value: string | null): Record<string, string> {
  const tags: Record<string, string> = {};
  if (!value) return tags;
  for (const pair of value.split(",").slice(0, MAX_TAGS)) {
    const equals = pair.indexOf("=");
    if (equals <= 0) continue;
    const name = pair.slice(0, equals).trim();
    const tag = pair.slice(equals + 1).trim();
    if (name && name.length <= MAX_VALUE && tag.length <= MAX_VALUE) tags[name] = tag;
  }
  return tags;
}
