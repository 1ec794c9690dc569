// Management API bodies driven by its OpenAPI document: for each schema, usually a value of its
// type (enum members, bounds, pattern), often a wrong type or an extreme, objects sometimes
// missing required fields or carrying extras.
import fc from "fast-check";
import { oddValue, usually } from "./json-values.ts";

/** A JSON schema as the OpenAPI document writes them (the parts the generator reads). */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

/**
 * Values for a schema: usually one of its type (enum members, bounds, pattern), often a wrong
 * type or an extreme, for every field; objects sometimes miss required fields or carry extras.
 */
export function fromSchema(
  schema: JsonSchema | undefined,
  hints: SchemaHints,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema || depth > 5) return oddValue;
  return usually(validFor(schema, hints, depth));
}

/** What the schema alone cannot tell: URLs safe to call, and good values for some field names. */
export interface SchemaHints {
  urls: fc.Arbitrary<string>;
  /** By property name (project_id, config, …): values that pass the API's deeper checks. */
  fields: Record<string, fc.Arbitrary<unknown>>;
}

function validFor(schema: JsonSchema, hints: SchemaHints, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0)
    return fc.oneof(...alternatives.map((inner) => validFor(inner, hints, depth + 1)));
  if (schema.allOf && schema.allOf.length > 0)
    return validFor(schema.allOf[0] as JsonSchema, hints, depth + 1);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) {
    if (schema.properties) return objectFor(schema, hints, depth);
    return fc.anything({ maxDepth: 1 });
  }
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case "null":
          return fc.constant(null);
        case "boolean":
          return fc.boolean();
        case "integer":
          return fc.integer({
            min: Math.max(schema.minimum ?? -1_000, -(2 ** 31)),
            max: Math.min(schema.maximum ?? 1_000_000, 2 ** 31),
          });
        case "number":
          return fc.double({
            min: schema.minimum ?? -1e6,
            max: schema.maximum ?? 1e6,
            noNaN: true,
          });
        case "string":
          return stringFor(schema, hints.urls);
        case "array":
          return fc.array(schema.items ? fromSchema(schema.items, hints, depth + 1) : oddValue, {
            maxLength: 3,
          });
        case "object":
          return objectFor(schema, hints, depth);
        default:
          return oddValue;
      }
    }),
  );
}

function stringFor(schema: JsonSchema, urls: fc.Arbitrary<string>): fc.Arbitrary<string> {
  if (schema.format === "uri") return urls;
  if (schema.format === "date-time")
    return fc.oneof(
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      fc.constantFrom(
        "2024-02-30T25:61:00Z",
        "yesterday",
        "1970-01-01",
        "+275760-09-13T00:00:00.001Z",
      ),
    );
  if (schema.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((value) => value.length <= (schema.maxLength ?? 200));
    } catch {
      // a pattern fast-check cannot generate from: plain strings below
    }
  }
  return fc.string({
    minLength: schema.minLength ?? 0,
    maxLength: Math.min(schema.maxLength ?? 40, 80),
    unit: "grapheme",
  });
}

function objectFor(schema: JsonSchema, hints: SchemaHints, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) {
    const generic = fromSchema(properties[name], hints, depth + 1);
    const hinted = hints.fields[name];
    model[name] = hinted
      ? fc.oneof({ arbitrary: hinted, weight: 3 }, { arbitrary: generic, weight: 2 })
      : generic;
  }
  const required = (schema.required ?? []).filter((name) => names.includes(name));
  // Most objects carry their required fields, so the checks past them run too.
  return fc
    .tuple(
      fc.oneof(
        { arbitrary: fc.record(model, { requiredKeys: required }), weight: 4 },
        { arbitrary: fc.record(model, { requiredKeys: [] }), weight: 1 },
      ),
      fc.option(fc.dictionary(fc.string({ maxLength: 12 }), oddValue, { maxKeys: 2 }), {
        freq: 4,
      }),
    )
    .map(([record, extra]) => (extra ? { ...record, ...extra } : record));
}
