// The pieces shared by the hand-checked request bodies (wire/openai/fast-chat-request.ts,
// surfaces/responses/fast-request.ts): each judges only the bodies it can judge as its valibot
// schema would, and returns null for the rest, which the schema then decides.

import { MAX_MODEL_CHARS } from "#shared/validation/client-text.ts";

/** A value outside what the hand check judges: the schema decides the whole body. */
export const FAIL = Symbol("fail");
export type Checked = unknown | typeof FAIL;

/** What valibot leaves out of a loose object's output among the fields it does not declare. */
const NOT_COPIED = new Set(["__proto__", "prototype", "constructor"]);

export const isNullish = (value: unknown) => value === null || value === undefined;
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function numberIn(value: unknown, min: number, max: number): Checked {
  if (isNullish(value)) return value;
  return typeof value === "number" && value >= min && value <= max ? value : FAIL;
}

export function integerIn(value: unknown, min: number, max: number): Checked {
  if (isNullish(value)) return value;
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
    ? value
    : FAIL;
}

/** `model` as modelNameSchema (wire/model-name.ts) takes it: a string of 1 to MAX_MODEL_CHARS. */
export function modelName(value: unknown): Checked {
  return typeof value === "string" && value.length >= 1 && value.length <= MAX_MODEL_CHARS
    ? value
    : FAIL;
}

export function ofType(value: unknown, type: "string" | "boolean"): Checked {
  return isNullish(value) || typeof value === type ? value : FAIL;
}

/**
 * The schema's output for a loose object body (`fields`, an own-property copy): each declared
 * field through `field`, the others copied as they are; null when any declared one FAILs.
 */
export function checkedBody(
  fields: Record<string, unknown>,
  declared: ReadonlySet<string>,
  field: (key: string, value: unknown) => Checked,
): Record<string, unknown> | null {
  const output: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (!declared.has(key)) {
      if (!NOT_COPIED.has(key)) output[key] = value;
      continue;
    }
    const checked = field(key, value);
    if (checked === FAIL) return null;
    output[key] = checked;
  }
  return output;
}
