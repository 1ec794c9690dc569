// What every Management API input must satisfy before anything walks it recursively (the
// Idempotency-Key hash, the schemas) or stores it: bounded nesting, a bounded number of values,
// and text Postgres can hold (`text` and `jsonb` refuse U+0000, `jsonb` refuses unpaired
// surrogates). Checked with an explicit stack, so a body nested 100k levels deep is a 400 naming
// where it got too deep, not a stack overflow.
import { invalidField } from "./errors.ts";

/** Deeper than any operation's body needs (a routing config nests a few levels per strategy). */
export const MAX_INPUT_DEPTH = 64;

/**
 * Values (array items and object fields, at any depth) one input may hold: far more than the
 * largest routing config or provider options, and few enough that validating them all stays
 * cheap. A 1 MB array of wrong items cost seconds of validation and a 98 MB list of problems.
 */
export const MAX_INPUT_VALUES = 10_000;

interface Pending {
  value: unknown;
  depth: number;
  key: string | number;
  parent: Pending | null;
}

/** Throws `invalid_request` naming the first offending field, e.g. `body.settings.redaction`. */
export function checkInputValue(part: "params" | "query" | "body", value: unknown): void {
  const stack: Pending[] = [{ value, depth: 0, key: part, parent: null }];
  let values = 0;
  const count = (entry: Pending, more: number) => {
    values += more;
    if (values > MAX_INPUT_VALUES)
      throw invalidField(fieldName(entry), `more than ${MAX_INPUT_VALUES} values in the ${part}`);
  };
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const current = entry.value;
    if (typeof current === "string") {
      const problem = textProblem(current);
      if (problem) throw invalidField(fieldName(entry), problem);
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    if (entry.depth >= MAX_INPUT_DEPTH) {
      throw invalidField(fieldName(entry), `nested deeper than ${MAX_INPUT_DEPTH} levels`);
    }
    const depth = entry.depth + 1;
    if (Array.isArray(current)) {
      count(entry, current.length);
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], depth, key: index, parent: entry });
      }
      continue;
    }
    const entries = Object.entries(current);
    count(entry, entries.length);
    for (const [key, item] of entries) {
      // The offending name is not echoed: it could not be stored with the error either.
      const problem = textProblem(key);
      if (problem) throw invalidField(fieldName(entry), `a field name ${problem}`);
      stack.push({ value: item, depth, key, parent: entry });
    }
  }
}

function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "contains a NUL character (U+0000)";
  if (!text.isWellFormed()) return "contains an unpaired UTF-16 surrogate";
  return null;
}

/** `body.settings.patterns.3`, built only when there is something to report. */
function fieldName(entry: Pending): string {
  const keys: string[] = [];
  for (let at: Pending | null = entry; at; at = at.parent) keys.push(String(at.key));
  return keys.reverse().join(".");
}
