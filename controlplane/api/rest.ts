// The REST surface of the operation registry: one Elysia instance per feature, a route per
// operation under /manage/v1. Authentication (a bearer key, or the dashboard's session cookie with
// its CSRF token), the rate limit, Idempotency-Key and the JSON
// envelope happen here; the operation itself runs through `executeOperation`, as for MCP.
import { Elysia } from "elysia";
import { renameAliasedFields, restPaths } from "./aliases.ts";
import { authenticateRequest } from "./auth.ts";
import { EncodedJson } from "./encoded-json.ts";
import { invalidField, ManagementError, renderError } from "./errors.ts";
import { executeOperation, type ManagementRuntime } from "./execute.ts";
import { fileResponse } from "./file-result.ts";
import { beginIdempotent, finishIdempotent, requestHash } from "./idempotency.ts";
import { checkInputValue } from "./input-guard.ts";
import { isOptionalSchema, toJsonSchema } from "./json-schema.ts";
import type { InputObjectSchema, Operation } from "./operation.ts";
import { consumeRateLimit, type RateLimitState } from "./rate-limit.ts";

export const MANAGEMENT_PREFIX = "/manage/v1";
/** The base path modelux.ai's openapi.yaml names (`servers: /api/manage/v1`): the same API. */
export const PUBLISHED_MANAGEMENT_PREFIX = "/api/manage/v1";

/** `/projects/{project_id}` → `/projects/:project_id` */
export const elysiaPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

export function featureRoutes(
  feature: string,
  operations: Operation[],
  runtime: ManagementRuntime,
  prefix = MANAGEMENT_PREFIX,
) {
  const app = new Elysia({ name: `management-${feature}${prefix}`, prefix });
  for (const operation of operations) {
    for (const path of restPaths(operation)) {
      app.route(
        operation.method,
        elysiaPath(path),
        ({ request, params }) =>
          handleRestRequest(runtime, operation, request, params as Record<string, string | null>),
        // The body is read here, so a malformed one is answered in the API's own error shape.
        { parse: "none" },
      );
    }
  }
  return app;
}

export async function handleRestRequest(
  runtime: ManagementRuntime,
  operation: Operation,
  request: Request,
  params: Record<string, string | null>,
): Promise<Response> {
  const requestId = crypto.randomUUID();
  const headers: Record<string, string> = { "x-request-id": requestId };
  let idempotency: { keyId: string; key: string } | null = null;
  try {
    const caller = await authenticateRequest(runtime.db, request);
    const limit = caller.rpm_limit ?? runtime.services.settings.MODELUX_MANAGEMENT_RPM;
    Object.assign(headers, rateHeaders(await consumeRateLimit(runtime.db, caller.key_id, limit)));

    const url = new URL(request.url);
    const raw = {
      params: coerceText(operation.params, pathParams(params), "params"),
      query: coerceText(
        operation.query,
        renameAliasedFields(
          operation,
          "query",
          operation.query,
          Object.fromEntries(url.searchParams),
        ),
        "query",
      ),
      body: operation.body ? await readJsonBody(request) : undefined,
    };
    // Before the Idempotency-Key hash, the first recursive walk of the body.
    checkInputValue("params", raw.params);
    checkInputValue("query", raw.query);
    checkInputValue("body", raw.body);
    const idempotencyKey = request.headers.get("idempotency-key");
    if (operation.method === "POST" && idempotencyKey !== null) {
      const hash = requestHash(operation.method, url.pathname, raw.body);
      const started = await beginIdempotent(runtime.db, caller.key_id, idempotencyKey, hash);
      if (started.kind === "replay") {
        return json(started.status, started.response, {
          ...headers,
          "idempotent-replayed": "true",
        });
      }
      idempotency = { keyId: caller.key_id, key: idempotencyKey };
    }

    const envelope = await executeOperation(runtime, operation, caller, raw, requestId);
    if ("file" in envelope) return fileResponse(envelope.file, headers);
    const status = operation.status ?? 200;
    if (idempotency) {
      await finishIdempotent(runtime.db, idempotency.keyId, idempotency.key, status, envelope);
    }
    return json(status, envelope, headers);
  } catch (thrown) {
    const rendered = renderError(thrown);
    if (rendered.status >= 500) {
      runtime.services.log(
        `${operation.id} failed (${requestId}): ${(thrown as Error)?.stack ?? thrown}`,
      );
    }
    if (idempotency) {
      await finishIdempotent(
        runtime.db,
        idempotency.keyId,
        idempotency.key,
        rendered.status,
        rendered.body,
      ).catch(() => {});
    }
    return json(rendered.status, rendered.body, { ...headers, ...rendered.headers });
  }
}

function json(status: number, body: unknown, headers: Record<string, string>): Response {
  return new Response(responseText(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A response body's JSON; an envelope's encoded answer (encoded-json.ts) is spliced in as it is. */
export function responseText(body: unknown): string {
  const data = (body as { data?: unknown } | null)?.data;
  return data instanceof EncodedJson ? `{"data":${data.text}}` : JSON.stringify(body);
}

function rateHeaders(state: RateLimitState): Record<string, string> {
  return {
    "x-ratelimit-limit": String(state.limit),
    "x-ratelimit-remaining": String(state.remaining),
    "x-ratelimit-reset": String(state.resetSeconds),
  };
}

async function readJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ManagementError("invalid_request", "the request body is not valid JSON", {
      fields: [{ field: "body", message: "not valid JSON" }],
    });
  }
}

/**
 * Path parameters as Elysia decoded them (once: decoding again would turn `%2541` into `A` and
 * throw on `%25E0`); a segment it could not decode arrives as null and is refused by name.
 */
function pathParams(params: Record<string, string | null> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value !== "string") {
      throw invalidField(`params.${name}`, "is not a valid percent-encoded path segment");
    }
    out[name] = value;
  }
  return out;
}

/** Query strings and path segments are text; numbers and booleans are converted by the schema. */
function coerceText(
  schema: InputObjectSchema | undefined,
  values: Record<string, string>,
  part: "query" | "params",
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!schema) return out;
  for (const [name, text] of Object.entries(values)) {
    const entry = schema.entries[name];
    if (!entry) {
      if (part === "query") throw invalidField(`query.${name}`, "unknown query parameter");
      continue;
    }
    const declared = toJsonSchema(entry).type;
    const types = Array.isArray(declared) ? declared : [declared];
    if ((types.includes("integer") || types.includes("number")) && text.trim() !== "") {
      const number = Number(text);
      out[name] = Number.isFinite(number) ? number : text;
    } else if (types.includes("boolean") && (text === "true" || text === "false")) {
      out[name] = text === "true";
    } else if (text !== "" || !isOptionalSchema(entry)) {
      out[name] = text;
    }
  }
  return out;
}
