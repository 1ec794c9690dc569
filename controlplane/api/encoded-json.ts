// JSON an operation's answer carries already encoded: the analytics report's points, written by
// DuckDB from typed columns (sql/duckdb/analytics_report_json.sql), which the REST layer sends as
// they are instead of parsing, checking and writing tens of thousands of objects again
// (docs/warehouse.md: a month by hour and end user is ~70,000 points, 22 MB).
import * as v from "valibot";
import { ManagementError } from "./errors.ts";

/** The text of one JSON value, valid JSON and of its schema's shape where it was made. */
export class EncodedJson {
  constructor(readonly text: string) {}

  /** For any serializer that does not know this class (JSON.stringify): the value itself. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** The schema of an answer's encoded part, in place of the array or object it encodes. */
export const encodedJson = v.instance(EncodedJson);

/**
 * An answer checked against `schema` (its encoded parts as `EncodedJson`, `encodedJson` in the
 * schema) and written as one JSON text, each encoded part spliced in as it is, the rest as
 * JSON.stringify writes it.
 */
export function encodeAnswer<S extends v.GenericSchema>(
  schema: S,
  answer: v.InferInput<S>,
): EncodedJson {
  const checked = v.safeParse(schema, answer);
  if (!checked.success) {
    const where = checked.issues
      .map((issue) => (issue.path ?? []).map((item) => String(item.key)).join("."))
      .join(", ");
    // As an answer failing its output check (execute.ts): a bug, answered as an internal error.
    throw new ManagementError("internal", `internal error: encoded answer invalid (${where})`);
  }
  return new EncodedJson(encode(checked.output));
}

function encode(value: unknown): string {
  if (value instanceof EncodedJson) return value.text;
  // A Date, or anything else that says how it is written, as JSON.stringify would write it.
  const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
  if (typeof toJSON === "function") return encode(toJSON.call(value));
  if (Array.isArray(value)) return `[${value.map((item) => encode(item ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) members.push(`${JSON.stringify(key)}:${encode(item)}`);
    }
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}
