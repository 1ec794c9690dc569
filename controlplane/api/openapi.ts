// The OpenAPI 3.1 document of the Management API, built from the operation registry: every
// operation, its role, its parameters and bodies as JSON Schema derived from the same valibot
// schemas the validators run.
import type * as v from "valibot";
import { errorBodySchema } from "./errors.ts";
import { isOptionalSchema, type JsonSchema, toJsonSchema } from "./json-schema.ts";
import type { InputObjectSchema, Operation } from "./operation.ts";
import { MANAGEMENT_PREFIX } from "./rest.ts";

const ERROR_RESPONSES: Record<string, string> = {
  "400": "Invalid request: malformed JSON, or fields that failed validation (listed in `fields`).",
  "401": "Missing, unknown, expired or revoked management key.",
  "403": "The key's role does not allow this operation.",
  "404": "No such resource in the caller's org.",
  "409": "Conflicts with the current state, or an Idempotency-Key reused with another request.",
  "422": "Understood but refused, e.g. a provider credential the upstream rejected.",
  "429": "Rate limit exceeded; see `retry-after`.",
};

export function buildOpenApiDocument(operations: Operation[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const item = paths[operation.path] ?? {};
    paths[operation.path] = item;
    item[operation.method.toLowerCase()] = operationObject(operation);
  }
  const errorResponses = Object.fromEntries(
    Object.entries(ERROR_RESPONSES).map(([status, description]) => [
      `Error${status}`,
      {
        description,
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );
  return {
    openapi: "3.1.0",
    info: {
      title: "modelux Management API",
      version,
      description:
        "Manage orgs, members, projects, keys, providers, routing configs, budgets, webhooks " +
        "and the audit log. Every operation is also an MCP tool at /mcp with the same name.",
    },
    servers: [{ url: MANAGEMENT_PREFIX }],
    security: [{ managementKey: [] }],
    tags: [...new Set(operations.map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        managementKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "mlx_mk_…",
          description: "A management key: `Authorization: Bearer mlx_mk_…`.",
        },
      },
      schemas: { Error: toJsonSchema(errorBodySchema) },
      responses: errorResponses,
    },
  };
}

function operationObject(operation: Operation) {
  const parameters: Array<Record<string, unknown>> = [
    ...parametersOf(operation.params, "path"),
    ...parametersOf(operation.query, "query"),
  ];
  if (operation.method === "POST") {
    parameters.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Retrying with the same key and body returns the stored response; another body gets 409.",
      schema: { type: "string", maxLength: 255 },
    });
  }
  const status = String(operation.status ?? 200);
  const result: Record<string, unknown> = {
    operationId: operation.id,
    summary: operation.summary,
    description: `${operation.description ?? operation.summary}\n\nRequired role: \`${operation.role}\`. MCP tool: \`${operation.id}\`.`,
    tags: [operation.tag],
    "x-required-role": operation.role,
    parameters,
    responses: {
      [status]: operation.produces
        ? {
            description: "The file, as an attachment (MCP returns it inline instead).",
            content: Object.fromEntries(
              operation.produces.map((type) => [
                type,
                { schema: { type: "string", format: "binary" } },
              ]),
            ),
          }
        : {
            description: operation.list ? "A page of results." : "Success.",
            content: { "application/json": { schema: envelopeSchema(operation) } },
          },
      ...Object.fromEntries(
        Object.keys(ERROR_RESPONSES).map((code) => [
          code,
          { $ref: `#/components/responses/Error${code}` },
        ]),
      ),
    },
  };
  if (operation.body) {
    result.requestBody = {
      required: true,
      content: { "application/json": { schema: toJsonSchema(operation.body) } },
    };
  }
  return result;
}

/** `{data}` or `{data: [...], next_cursor}` around the operation's output schema. */
export function envelopeSchema(operation: Operation): JsonSchema {
  const data = toJsonSchema(operation.output);
  if (!operation.list) return { type: "object", properties: { data }, required: ["data"] };
  return {
    type: "object",
    properties: {
      data: { type: "array", items: data },
      next_cursor: {
        type: ["string", "null"],
        description: "Pass as `cursor` to get the next page; null on the last page.",
      },
    },
    required: ["data", "next_cursor"],
  };
}

function parametersOf(schema: InputObjectSchema | undefined, location: "path" | "query") {
  if (!schema) return [];
  return Object.entries(schema.entries).map(([name, entry]) => {
    const converted = toJsonSchema(entry as v.GenericSchema);
    const { description, ...rest } = converted;
    return {
      name,
      in: location,
      required: location === "path" || !isOptionalSchema(entry as v.GenericSchema),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}
