// The MCP tool list, generated from the operation registry: one tool per operation, named by its
// id, taking the path, query and body fields as one flat object.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { RawInput } from "../api/execute.ts";
import { type JsonSchema, toJsonSchema } from "../api/json-schema.ts";
import { envelopeSchema } from "../api/openapi.ts";
import type { Operation } from "../api/operation.ts";

const PARTS = ["params", "query", "body"] as const;

/** The tool of an operation, under its id or one of its alias names (docs/compatibility.md). */
export function toolOf(operation: Operation, name = operation.id): Tool {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const part of PARTS) {
    const schema = operation[part];
    if (!schema) continue;
    const converted = toJsonSchema(schema);
    for (const [name, property] of Object.entries(
      converted.properties as Record<string, JsonSchema>,
    )) {
      if (name in properties) {
        throw new Error(
          `operation ${operation.id}: "${name}" is both a path/query and a body field`,
        );
      }
      properties[name] = property;
    }
    required.push(...((converted.required as string[] | undefined) ?? []));
  }
  const inputSchema: Tool["inputSchema"] = { type: "object", properties };
  if (required.length > 0) inputSchema.required = required;
  const alias = name === operation.id ? "" : ` Another name of ${operation.id}.`;
  return {
    name,
    title: operation.summary,
    description: `${operation.description ?? operation.summary} (REST: ${operation.method} /manage/v1${operation.path}; role: ${operation.role})${alias}`,
    inputSchema,
    outputSchema: envelopeSchema(operation) as Tool["outputSchema"],
    annotations: {
      readOnlyHint: operation.method === "GET",
      destructiveHint: operation.method === "DELETE",
      idempotentHint: operation.method === "GET" || operation.method === "PUT",
      openWorldHint: false,
    },
  };
}

/** Splits a tool's flat arguments back into path, query and body. */
export function splitArguments(operation: Operation, args: Record<string, unknown>): RawInput {
  const raw: RawInput = { params: {}, query: {}, body: operation.body ? {} : undefined };
  for (const [name, value] of Object.entries(args)) {
    if (operation.params && name in operation.params.entries) raw.params[name] = value;
    else if (operation.query && name in operation.query.entries) raw.query[name] = value;
    else if (operation.body) (raw.body as Record<string, unknown>)[name] = value;
    else raw.query[name] = value; // rejected by the query schema as unknown, or ignored if none
  }
  return raw;
}
