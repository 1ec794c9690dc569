// Gemini's Schema is an OpenAPI 3.0 subset and the API refuses any other keyword with a 400
// ("Unknown name … Cannot find field"). The simulator refuses them the same way, so a gateway
// that forgets to clean a JSON schema finds out here rather than in production.
import type { GenerateContentRequest } from "./request.ts";

const SCHEMA_FIELDS = new Set([
  "type",
  "format",
  "title",
  "description",
  "nullable",
  "enum",
  "maxItems",
  "minItems",
  "properties",
  "required",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "example",
  "anyOf",
  "propertyOrdering",
  "default",
  "items",
  "minimum",
  "maximum",
]);

/** The first unknown keyword, as the API words it, or undefined. */
export function schemaProblem(request: GenerateContentRequest): string | undefined {
  for (const [toolIndex, tool] of (request.tools ?? []).entries()) {
    for (const [index, declaration] of (tool.functionDeclarations ?? []).entries()) {
      const where = `tools[${toolIndex}].function_declarations[${index}].parameters`;
      const problem = unknownField(declaration.parameters, where);
      if (problem) return problem;
    }
  }
  return unknownField(
    request.generationConfig?.responseSchema,
    "generation_config.response_schema",
  );
}

function unknownField(schema: unknown, where: string): string | undefined {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (!SCHEMA_FIELDS.has(key)) {
      return `Invalid JSON payload received. Unknown name "${key}" at '${where}': Cannot find field.`;
    }
    let problem: string | undefined;
    if (key === "properties" && typeof value === "object" && value !== null) {
      for (const [name, child] of Object.entries(value)) {
        problem ??= unknownField(child, `${where}.properties[${JSON.stringify(name)}].value`);
      }
    } else if (key === "items") problem = unknownField(value, `${where}.items`);
    else if (key === "anyOf" && Array.isArray(value)) {
      for (const [index, child] of value.entries())
        problem ??= unknownField(child, `${where}.any_of[${index}]`);
    }
    if (problem) return problem;
  }
  return undefined;
}
