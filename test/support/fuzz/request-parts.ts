// Parts of a fetch-sent fuzz request, valid or not: body bytes (cut, BOM, bad UTF-8, not JSON),
// header values, content types, extra headers, query strings, path segments and methods.
import fc from "fast-check";

/** A body as bytes, sometimes made invalid after serialising: cut, BOM, bad UTF-8, not JSON. */
export const bodyBytes = (text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { arbitrary: text.map((value) => new TextEncoder().encode(value)), weight: 12 },
    {
      arbitrary: fc
        .tuple(text, fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([value, cut]) =>
          new TextEncoder().encode(value.slice(0, Math.floor(value.length * cut))),
        ),
      weight: 1,
    },
    {
      arbitrary: text.map((value) => new TextEncoder().encode(`\ufeff${value}`)),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(
          text,
          fc.constantFrom(
            [0xff],
            [0xc0, 0xaf],
            [0xed, 0xa0, 0x80],
            [0xf4, 0x90, 0x80, 0x80],
            [0x00],
          ),
        )
        .map(([value, bad]) => {
          const encoded = new TextEncoder().encode(value);
          const middle = Math.floor(encoded.length / 2);
          return Uint8Array.from([...encoded.slice(0, middle), ...bad, ...encoded.slice(middle)]);
        }),
      weight: 1,
    },
    {
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 200 }),
          fc.constantFrom(
            "",
            "null",
            "[]",
            "0",
            '"x"',
            "{",
            "}",
            "{}{}",
            "[1,]",
            "{'a':1}",
            "NaN",
            "<xml/>",
            "a=b&c=d",
          ),
        )
        .map((value) => new TextEncoder().encode(value)),
      weight: 2,
    },
    { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 1 },
  );

/** Text without CR, LF or NUL that a header value may carry (Latin-1 for fetch). */
export const headerText = (maxLength = 60) =>
  fc
    .string({
      maxLength,
      unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
    })
    .map((value) => value.replace(/\x7f/g, "").trim());

export const contentTypes = fc.constantFrom<string | null>(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "APPLICATION/JSON",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/octet-stream",
  "*/*",
  "",
  "json",
  null,
);

/** Extra headers clients and attackers send, valid or not. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "accept",
      "accept-encoding",
      "content-encoding",
      "x-forwarded-host",
      "x-forwarded-proto",
      "host",
      "origin",
      "cookie",
      "expect",
      "x-request-id",
      "idempotency-key",
      "anthropic-version",
      "anthropic-beta",
      "openai-organization",
      "x-modelux-dry-run",
      "x-modelux-trace",
      "range",
      "if-none-match",
    ),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  ),
  fc.oneof(
    headerText(),
    fc.constantFrom(
      "gzip",
      "br",
      "deflate",
      "identity",
      "100-continue",
      "true",
      "1",
      "2023-06-01",
      "*/*",
    ),
    fc.integer({ min: 100, max: 20_000 }).map((length) => "v".repeat(length)),
  ),
  { maxKeys: 3 },
);

/** Query strings, valid and not. */
export const queryStrings = fc.oneof(
  { arbitrary: fc.constant(""), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      "?",
      "?&&",
      "?a",
      "?a=%00",
      "?x=%zz",
      "?%",
      "?a=1&a=2&a=3",
      "?api-version=2024-10-21",
      "?beta=true",
      "?__proto__[x]=1",
      "?limit=-1",
      "?limit=1e309",
      "?cursor=%FF%FE",
      `?q=${"x".repeat(8_000)}`,
    ),
    weight: 3,
  },
  {
    arbitrary: fc
      .dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 4 })
      .map((entries) => `?${new URLSearchParams(entries).toString()}`),
    weight: 2,
  },
);

/** A path segment: real-looking, encoded junk, traversal, NUL, long. */
export const oddSegment = fc.oneof(
  fc.constantFrom(
    "%00",
    "a%00b",
    "%2e%2e",
    "..%2f..%2f",
    "%2F",
    "%E0%A4%A",
    "%ZZ",
    "%",
    "%ff%fe",
    "%F0%9F%98%80",
    "%ED%A0%80",
    "null",
    "undefined",
    "__proto__",
    "constructor",
    "0",
    "-1",
    "9999999999999999999999",
    " ",
    "%20",
    "~",
    "'; drop table projects;--",
    "x".repeat(70),
    "y".repeat(5_000),
  ),
  fc.string({ minLength: 1, maxLength: 20 }).map((value) => encodeURIComponent(value)),
);

/** Methods fetch can send (TRACE goes over raw sockets: fetch drops a TRACE answer's body). */
export const oddMethods = fc.constantFrom(
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "HEAD",
  "FOO",
  "PROPFIND",
  "get",
);
