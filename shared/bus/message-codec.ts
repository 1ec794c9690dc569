// Writers are strict and readers lenient (DESIGN §8): a bad message from this process is a bug
// and throws; a bad message from a peer is dropped with a warning so one node cannot stop another.
import * as v from "valibot";

type Schema<T> = v.GenericSchema<unknown, T>;

/** Validates an outgoing message and returns its JSON text; throws naming the first bad field. */
export function encodeStrict<T>(schema: Schema<T>, message: T, what: string): string {
  const result = v.safeParse(schema, message);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    throw new TypeError(
      `invalid ${what}${path ? ` at ${path}` : ""}: ${issue?.message ?? "rejected"}`,
    );
  }
  return JSON.stringify(message);
}

/** Parses JSON text without validating it; null (with a warning) when it is not JSON. */
export function parseJsonLenient(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    console.warn(`bus: dropped ${what} that is not JSON (${text.length} bytes)`);
    return null;
  }
}

/** Parses and validates an incoming message; null (with a warning) when it does not fit. */
export function decodeLenient<T>(schema: Schema<T>, text: string, what: string): T | null {
  const parsed = parseJsonLenient(text, what);
  if (parsed === null) return null;
  const result = v.safeParse(schema, parsed);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue ? v.getDotPath(issue) : null;
  console.warn(`bus: dropped invalid ${what}${path ? ` at ${path}` : ""}: ${issue?.message}`);
  return null;
}

/** Runs a subscriber's handler so that one throwing handler cannot break delivery to the rest. */
export function deliverSafely<T>(handler: (message: T) => void, message: T, what: string): void {
  try {
    handler(message);
  } catch (error) {
    console.error(`bus: ${what} handler threw: ${(error as Error).message}`);
  }
}
