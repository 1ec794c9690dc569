// The file's JSON Schema (deploy/modelux.schema.json), generated from the valibot schema with
// @valibot/to-json-schema; a routing config is described by shared/routing's schema. Checks
// JSON Schema cannot express (CEL, @slug references) stay with the reader and the control plane.
// Used by `bun run cli:schema` and its test, not at run time (`modelux schema` prints the file).
import { type ConversionConfig, type JsonSchema, toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { routingConfigSchema } from "#shared/routing/config-schema.ts";
import { configFileSchema, routingConfigObject } from "./schema.ts";

type Lazy = v.LazySchema<v.GenericSchema>;
const isLazy = (schema: v.GenericSchema): schema is Lazy => schema.type === "lazy";

/**
 * Without the `$schema` line, for a schema placed inside another; without `$defs` too, which
 * hold only the lazy schemas the override below inlines.
 */
function embedded(schema: v.GenericSchema) {
  const { $schema: _draft, $defs: _inlined, ...body } = toJsonSchema(schema, routingConversion);
  return body;
}

/**
 * Inputs a lazy schema is asked with to learn its choices: routing's lazy schemas choose by the
 * input's type (a target is a string or {model, provider}) or by a key (a rule with `else`).
 */
const PROBES: unknown[] = ["", {}, { else: "" }];

/**
 * A lazy schema picks its schema by the input; the converter can only call it without one. Every
 * choice the probes reach, then. Checks JSON Schema cannot say (CEL compiles, a @slug has no
 * provider) are left out: the reader and the API make them.
 */
const routingConversion: ConversionConfig = {
  errorMode: "ignore",
  overrideSchema: ({ valibotSchema }) => {
    if (!isLazy(valibotSchema)) return undefined;
    const choices = [...new Set(PROBES.map((probe) => valibotSchema.getter(probe)))];
    return { anyOf: choices.map(embedded) };
  },
};

export function configFileJsonSchema(): JsonSchema {
  const routingConfig = embedded(routingConfigSchema);
  return toJsonSchema(configFileSchema, {
    errorMode: "throw",
    // Called with the pipe's root schema; the pipe's description is added after.
    overrideSchema: ({ valibotSchema }) =>
      valibotSchema === routingConfigObject.pipe[0] ? { ...routingConfig } : undefined,
  });
}
