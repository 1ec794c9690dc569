// JSON an operation's answer carries already encoded: the analytics report's points, written by
// DuckDB from typed columns (sql/duckdb/analytics_report_json.sql), which the REST layer sends as
// they are instead of parsing, checking and writing tens of thousands of objects again
// (docs/warehouse.md: a month by hour and end user is ~70,000 points, 22 MB). An operation with
// such parts declares `encodedOutput` (operation.ts); executeOperation checks its answer against
// that and writes it once with `encodeJson`.
import * as v from "valibot";

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
 * `value` written as one JSON text, each `EncodedJson` in it spliced in as it is, the rest as
 * JSON.stringify writes it.
 */
export function encodeJson(value: unknown): EncodedJson {
  return new EncodedJson(encode(value));
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
