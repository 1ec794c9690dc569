// Valibot → JSON Schema for the OpenAPI document and the MCP tool list, so both describe exactly
// what the validators accept. `@valibot/to-json-schema` is not a dependency; this covers the schema
// and action kinds the Management API uses and throws on any other, so a new kind is noticed in
// the registry test rather than silently described wrong. The output is valid JSON Schema 2020-12
// (OpenAPI 3.1) and draft-07 (what MCP clients validate with).
import type * as v from "valibot";

export type JsonSchema = { [keyword: string]: unknown };

interface Node {
  type: string;
  kind: string;
  pipe?: Node[];
  wrapped?: Node;
  default?: unknown;
  entries?: Record<string, Node>;
  item?: Node;
  options?: unknown[];
  literal?: unknown;
  key?: Node;
  value?: Node;
  requirement?: unknown;
  description?: string;
  title?: string;
  examples?: unknown[];
  metadata?: Record<string, unknown>;
}

const WRAPPERS = new Set(["optional", "exact_optional", "nullish", "undefinedable"]);

/** JSON Schema of what `schema` accepts as input. */
export function toJsonSchema(schema: v.GenericSchema): JsonSchema {
  return convert(schema as unknown as Node);
}

/** Whether a property of this schema may be left out of an object. */
export function isOptionalSchema(schema: v.GenericSchema): boolean {
  return WRAPPERS.has((schema as unknown as Node).type);
}

function convert(node: Node): JsonSchema {
  if (!node.pipe) return convertType(node);
  // A pipe's first item is the schema it extends, itself possibly a pipe.
  const [base, ...actions] = node.pipe;
  const out = convert(base as Node);
  for (const action of actions) applyAction(out, action);
  return out;
}

function convertType(node: Node): JsonSchema {
  switch (node.type) {
    case "string":
      return { type: "string" };
    case "number":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "null":
      return { type: "null" };
    case "unknown":
    case "any":
      return {};
    case "literal":
      return { const: node.literal };
    case "picklist":
    case "enum":
      return { enum: [...((node.options as unknown[]) ?? [])] };
    case "array":
      return { type: "array", items: convert(node.item as Node) };
    case "object":
    case "loose_object":
    case "strict_object":
      return objectSchema(node);
    case "record":
      return { type: "object", additionalProperties: convert(node.value as Node) };
    case "union":
    case "variant":
      return { anyOf: (node.options as Node[]).map(convert) };
    case "nullable":
      return nullable(convert(node.wrapped as Node));
    case "optional":
    case "exact_optional":
    case "undefinedable":
      return withDefault(convert(node.wrapped as Node), node.default);
    case "nullish":
      return withDefault(nullable(convert(node.wrapped as Node)), node.default);
    default:
      throw new Error(`toJsonSchema: valibot schema "${node.type}" is not supported`);
  }
}

function objectSchema(node: Node): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, entry] of Object.entries(node.entries ?? {})) {
    properties[name] = convert(entry);
    if (!WRAPPERS.has(entry.type)) required.push(name);
  }
  const out: JsonSchema = { type: "object", properties };
  if (required.length > 0) out.required = required;
  if (node.type === "strict_object") out.additionalProperties = false;
  return out;
}

function nullable(inner: JsonSchema): JsonSchema {
  if (typeof inner.type === "string") return { ...inner, type: [inner.type, "null"] };
  if (Array.isArray(inner.enum)) return { ...inner, enum: [...inner.enum, null] };
  return { anyOf: [inner, { type: "null" }] };
}

function withDefault(inner: JsonSchema, fallback: unknown): JsonSchema {
  // Defaults given as functions are computed per request; nothing fixed to document.
  if (fallback === undefined || typeof fallback === "function") return inner;
  return { ...inner, default: fallback };
}

const isArraySchema = (out: JsonSchema) =>
  out.type === "array" || (Array.isArray(out.type) && out.type.includes("array"));

function applyAction(out: JsonSchema, action: Node): void {
  const requirement = action.requirement;
  switch (action.type) {
    case "min_length":
      out[isArraySchema(out) ? "minItems" : "minLength"] = requirement;
      return;
    case "max_length":
      out[isArraySchema(out) ? "maxItems" : "maxLength"] = requirement;
      return;
    case "non_empty":
      out[isArraySchema(out) ? "minItems" : "minLength"] = 1;
      return;
    case "min_value":
      out.minimum = requirement;
      return;
    case "max_value":
      out.maximum = requirement;
      return;
    case "gt_value":
      out.exclusiveMinimum = requirement;
      return;
    case "lt_value":
      out.exclusiveMaximum = requirement;
      return;
    case "integer":
      out.type = Array.isArray(out.type)
        ? out.type.map((type) => (type === "number" ? "integer" : type))
        : "integer";
      return;
    case "regex":
      out.pattern = (requirement as RegExp).source;
      return;
    case "email":
      out.format = "email";
      return;
    case "url":
      out.format = "uri";
      return;
    case "iso_timestamp":
      out.format = "date-time";
      return;
    case "description":
      out.description = action.description;
      return;
    case "title":
      out.title = action.title;
      return;
    case "examples":
      out.examples = action.examples;
      return;
    case "metadata":
      Object.assign(out, action.metadata);
      return;
    case "check":
    case "check_items":
    case "trim":
    case "to_lower_case":
      // Checks the document cannot express; the validator still runs them.
      return;
    default:
      throw new Error(`toJsonSchema: valibot action "${action.type}" is not supported`);
  }
}
