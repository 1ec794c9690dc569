// Builds a JSON value that satisfies a JSON schema, for tool-call arguments and structured
// output. Covers what tool and response schemas use in practice (types, enum, const,
// properties, required, items, anyOf/oneOf, formats); anything else falls back to a string.
import type { Random } from "./random.ts";
import { generatePhrase } from "./text.ts";

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

type Schema = Record<string, unknown>;

export interface SchemaFillOptions {
  /** Tool arguments fill only required properties (as models tend to); structured output fills all. */
  requiredOnly: boolean;
}

const MAX_DEPTH = 8;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

function firstType(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.find((entry) => entry !== "null") as string | undefined;
  if (isSchema(schema.properties)) return "object";
  if (schema.items !== undefined) return "array";
  return undefined;
}

function stringFor(schema: Schema, random: Random): string {
  switch (schema.format) {
    case "date":
      return "2025-06-01";
    case "date-time":
      return "2025-06-01T12:00:00Z";
    case "email":
      return "someone@example.com";
    case "uri":
    case "url":
      return "https://example.com/";
    case "uuid":
      return "123e4567-e89b-42d3-a456-426614174000";
    default:
      return generatePhrase(random, random.between(1, 3));
  }
}

function numberFor(schema: Schema, random: Random, integer: boolean): number {
  const minimum = typeof schema.minimum === "number" ? schema.minimum : 0;
  const maximum = typeof schema.maximum === "number" ? schema.maximum : minimum + 100;
  const value = minimum + random.next() * (maximum - minimum);
  return integer ? Math.ceil(value) : Math.round(value * 100) / 100;
}

export function valueFromSchema(
  schema: unknown,
  random: Random,
  options: SchemaFillOptions,
  depth = 0,
): JsonValue {
  if (!isSchema(schema) || depth > MAX_DEPTH) return generatePhrase(random, 2);
  if (schema.const !== undefined) return asJson(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return asJson(random.pick(schema.enum));
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    const concrete = alternatives.find((entry) => isSchema(entry) && entry.type !== "null");
    return valueFromSchema(concrete ?? alternatives[0], random, options, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return valueFromSchema(schema.allOf[0], random, options, depth + 1);
  }
  switch (firstType(schema)) {
    case "object":
      return objectFor(schema, random, options, depth);
    case "array": {
      const minimum = typeof schema.minItems === "number" ? schema.minItems : 1;
      const count = Math.max(minimum, 1);
      return Array.from({ length: count }, () =>
        valueFromSchema(schema.items, random, options, depth + 1),
      );
    }
    case "integer":
      return numberFor(schema, random, true);
    case "number":
      return numberFor(schema, random, false);
    case "boolean":
      return random.next() < 0.5;
    case "null":
      return null;
    default:
      return stringFor(schema, random);
  }
}

function objectFor(
  schema: Schema,
  random: Random,
  options: SchemaFillOptions,
  depth: number,
): JsonValue {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((name) => typeof name === "string")
    : [];
  const names = options.requiredOnly ? required : Object.keys(properties);
  const value: Record<string, JsonValue> = {};
  for (const name of names)
    value[name] = valueFromSchema(properties[name], random, options, depth + 1);
  return value;
}
