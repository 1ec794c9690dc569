// Odd JSON values for the fuzz pass over both planes (test/integration/fuzz-planes.test.ts): wrong
// types, extremes, deep and large values, and URLs a fuzzed field may carry. Values are written as
// text so they can hold what JSON.stringify cannot write (nesting 100k deep, 1e999, lone
// surrogates, duplicate keys).
import fc from "fast-check";

/** JSON text written verbatim inside a generated value. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A generated value as JSON text; RawJson parts are copied as they are. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const fields = Object.keys(value).map(
      (key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`,
    );
    return `{${fields.join(",")}}`;
  }
  if (typeof value === "bigint") return value.toString();
  return JSON.stringify(value) ?? "null";
}

const deep = (open: string, close: string, depth: number) =>
  new RawJson(`${open.repeat(depth)}${close.repeat(depth)}`);

/** Values no field expects: wrong types, extremes, deep and large ones. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4 }), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      -0,
      1.5,
      Number.MAX_SAFE_INTEGER + 2,
      -(2 ** 63),
      1e300,
      "",
      " ",
      "\u0000",
      "a\u0000b",
      "\ud800",
      "💥",
      "NaN",
      [],
      {},
      [null],
      { "": null },
      { __proto__: null, constructor: "x" },
      { "\u0000": 1 },
    ),
    weight: 6,
  },
  {
    arbitrary: fc.constantFrom(
      new RawJson("1e999"),
      new RawJson("-1e999"),
      new RawJson("1e-400"),
      new RawJson("123456789012345678901234567890"),
      new RawJson("-0.0"),
      new RawJson('"\\ud800"'),
      new RawJson('"\\udfff\\ud800"'),
      new RawJson('"\\u0000"'),
      new RawJson('{"a":1,"a":"two"}'),
      new RawJson('{"__proto__":{"polluted":true}}'),
      new RawJson('{"constructor":{"prototype":{"polluted":true}}}'),
    ),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom(["[", "]"], ['{"a":', "}"], ['[{"b":', "}]"]),
        fc.integer({ min: 60, max: 120_000 }),
      )
      .map(([[open, close], depth]) => deep(open as string, close as string, depth)),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 10_000, max: 400_000 }), fc.constantFrom("x", "é", "😀", "\\"))
      .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length))),
    weight: 1,
  },
  {
    arbitrary: fc.integer({ min: 1_000, max: 120_000 }).map((count) => new Array(count).fill(0)),
    weight: 1,
  },
);

/** Mostly a valid value, sometimes one of the odd ones. */
export const usually = <T>(valid: fc.Arbitrary<T>, oddWeight = 1) =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: oddValue, weight: oddWeight });

/** URLs a fuzzed `url`/`base_url` may carry; none reaches a network beyond loopback. */
export function fuzzUrls(loopbackUrl: string): fc.Arbitrary<string> {
  return fc.constantFrom(
    loopbackUrl,
    `${loopbackUrl}/v1`,
    `${loopbackUrl}?x=1`,
    `${loopbackUrl}#frag`,
    loopbackUrl.replace("://", "://user:pass@"),
    "http://127.0.0.1:1/",
    "http://localhost/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.0.1:8080/v1",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://modelux-fuzz.invalid/v1",
    "https://modelux-fuzz.invalid:99999/",
    "ftp://127.0.0.1/",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "gopher://127.0.0.1:6379/_INFO",
    "http://",
    "not a url",
    "",
  );
}
