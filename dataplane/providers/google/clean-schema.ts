// JSON Schema → Gemini's Schema, an OpenAPI 3.0 subset that refuses every keyword it does not
// know (`additionalProperties`, `$schema`, `$ref`, `const`, …) with a 400. Known keywords are
// kept, a few are translated (type arrays with "null" → nullable, oneOf → anyOf, a string const
// → enum), the rest are removed and named so the caller can warn once per tool.
import type { GeminiSchema } from "./wire-request.ts";

const KEPT = new Set([
  "type",
  "title",
  "description",
  "nullable",
  "enum",
  "maxItems",
  "minItems",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "example",
  "default",
  "minimum",
  "maximum",
  "propertyOrdering",
]);
const STRING_FORMATS = new Set(["enum", "date-time"]);
const NUMBER_FORMATS = new Set(["int32", "int64", "float", "double"]);

type JsonSchema = Record<string, unknown>;

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export interface CleanedSchema {
  /** Undefined for an object schema without properties, which Gemini refuses as parameters. */
  schema: GeminiSchema | undefined;
  /** Keywords removed or changed, e.g. ["additionalProperties", "oneOf→anyOf"]. */
  changed: string[];
}

export function cleanSchema(schema: unknown): CleanedSchema {
  const changed = new Set<string>();
  const cleaned = cleanNode(schema, changed);
  const empty =
    cleaned.type === "object" &&
    (!isSchema(cleaned.properties) || Object.keys(cleaned.properties).length === 0);
  return { schema: empty ? undefined : cleaned, changed: [...changed] };
}

function cleanNode(node: unknown, changed: Set<string>): GeminiSchema {
  if (!isSchema(node)) return {};
  const out: GeminiSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (KEPT.has(key)) out[key] = value;
    else if (key === "properties" && isSchema(value)) {
      const properties: Record<string, GeminiSchema> = {};
      for (const [name, child] of Object.entries(value))
        properties[name] = cleanNode(child, changed);
      out.properties = properties;
    } else if (key === "items" && isSchema(value)) out.items = cleanNode(value, changed);
    else if ((key === "anyOf" || key === "oneOf") && Array.isArray(value)) {
      if (key === "oneOf") changed.add("oneOf→anyOf");
      out.anyOf = value.map((child) => cleanNode(child, changed));
    } else if (key !== "required" && key !== "format" && key !== "const") changed.add(key);
  }
  if (Array.isArray(node.required)) {
    const names = isSchema(out.properties) ? Object.keys(out.properties) : [];
    out.required = node.required.filter((name) => names.includes(name as string));
  }
  if (node.const !== undefined) {
    if (typeof node.const === "string" && out.enum === undefined) {
      out.enum = [node.const];
      out.type ??= "string";
    } else changed.add("const");
  }
  cleanType(out, changed);
  cleanFormat(node.format, out, changed);
  return out;
}

/** ["string", "null"] → type "string" + nullable; several types → anyOf. */
function cleanType(out: GeminiSchema, changed: Set<string>): void {
  if (!Array.isArray(out.type)) return;
  const types = out.type.filter((type) => type !== "null");
  if (types.length < out.type.length) out.nullable = true;
  if (types.length === 1) out.type = types[0];
  else {
    delete out.type;
    if (types.length > 1) {
      out.anyOf = types.map((type) => ({ type }));
      changed.add("type[]→anyOf");
    }
  }
}

function cleanFormat(format: unknown, out: GeminiSchema, changed: Set<string>): void {
  if (typeof format !== "string") return;
  const allowed =
    out.type === "string"
      ? STRING_FORMATS
      : out.type === "number" || out.type === "integer"
        ? NUMBER_FORMATS
        : undefined;
  if (allowed?.has(format)) out.format = format;
  else changed.add(`format:${format}`);
}
