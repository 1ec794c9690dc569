// Generators of bad HTTP requests for the fuzz pass over both planes (test/integration/
// fuzz-planes.test.ts), and the checks every answer must pass: no 5xx, JSON in the caller's error
// shape, answered before the hang bound. Bodies are built as text so they can hold what
// JSON.stringify cannot write (nesting 100k deep, 1e999, lone surrogates, duplicate keys).
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

export type Shape = "openai" | "anthropic" | "management" | "generic" | "mcp" | "any";

/** Success bodies that are not JSON by design: exports (declared in the OpenAPI document), docs. */
const FILE_TYPES = [
  "text/csv",
  "application/x-ndjson",
  "application/vnd.apache.parquet",
  "text/html",
];

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

/** Why an answer fails the fuzz's contract, or null when it passes. */
export function problemWith(answer: Answer, shape: Shape, method: string): string | null {
  if (answer.status >= 500) return `status ${answer.status}`;
  if (method === "HEAD") return answer.text === "" ? null : "HEAD answered with a body";
  if (answer.status === 204 || answer.status === 304)
    return answer.text === "" ? null : `${answer.status} with a body`;
  if (answer.status < 400 && FILE_TYPES.some((type) => answer.contentType.startsWith(type)))
    return null;
  if (answer.status < 400 && answer.contentType.startsWith("text/event-stream"))
    return streamProblem(answer.text);
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    return `non-JSON body (${answer.contentType || "no content-type"})`;
  }
  if (!answer.contentType.includes("application/json"))
    return `JSON body sent as ${answer.contentType || "no content-type"}`;
  if (answer.status < 400) return null;
  const body = json as { type?: unknown; jsonrpc?: unknown; error?: Record<string, unknown> };
  const error = body?.error;
  // MCP callers get JSON-RPC errors from the transport, the Management API's shape from the gate.
  if ((shape === "mcp" || shape === "any") && body?.jsonrpc === "2.0")
    return typeof error?.code === "number" && typeof error.message === "string"
      ? null
      : "not a JSON-RPC error";
  if (!error || typeof error !== "object") return "error body without `error`";
  if (typeof error.message !== "string" || typeof error.type !== "string")
    return "error without a string type and message";
  switch (shape) {
    case "openai":
      return "param" in error && body.type === undefined ? null : "not OpenAI's error shape";
    case "anthropic":
      return body.type === "error" ? null : "not Anthropic's error shape";
    case "any":
      return null;
    case "management":
    case "generic":
    case "mcp":
      return error.code === answer.status
        ? null
        : `error.code ${String(error.code)} ≠ ${answer.status}`;
  }
}

function streamProblem(text: string): string | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "[DONE]") continue;
    try {
      JSON.parse(data);
    } catch {
      return `stream event not JSON: ${data.slice(0, 80)}`;
    }
  }
  return null;
}

/** The shape the plane answers errors in, from the path as the server sees it. */
export function shapeOf(pathname: string, plane: "data" | "control"): Shape {
  if (plane === "control") return "management";
  if (pathname === "/openai" || pathname.startsWith("/openai/")) return "openai";
  if (pathname === "/anthropic" || pathname.startsWith("/anthropic/")) return "anthropic";
  return "generic";
}

/** Counts for the report: requests, statuses, contract failures, slowest answer. */
export class FuzzTally {
  requests = 0;
  serverErrors = 0;
  nonJson = 0;
  maxMs = 0;
  readonly statuses = new Map<number, number>();
  readonly failures: string[] = [];

  record(answer: Answer, problem: string | null, request: string) {
    this.requests++;
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    if (answer.status >= 500) this.serverErrors++;
    if (problem?.startsWith("non-JSON") || problem?.startsWith("stream event")) this.nonJson++;
    this.maxMs = Math.max(this.maxMs, answer.ms);
    if (problem && this.failures.length < 20)
      this.failures.push(`${problem}: ${request} → ${answer.status} ${answer.text.slice(0, 300)}`);
  }

  summary(): string {
    const statuses = [...this.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(" ");
    return `${this.requests} requests, ${this.serverErrors} 5xx, ${this.nonJson} non-JSON, slowest ${Math.round(this.maxMs)} ms; ${statuses}`;
  }
}

// --- raw HTTP/1.1, for what fetch will not send --------------------------------------------------

export interface RawAnswer {
  /** null: the connection closed before any answer. */
  status: number | null;
  contentType: string;
  text: string;
  ms: number;
}

/**
 * Writes bytes to a plane's socket and reads one answer: until the connection closes or the
 * answer's framing says it is complete. Throws when neither happens within `hangBoundMs`.
 */
export async function rawExchange(
  port: number,
  bytes: Uint8Array,
  hangBoundMs: number,
): Promise<RawAnswer> {
  const started = performance.now();
  const received: Uint8Array[] = [];
  const finished = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, data) {
        received.push(new Uint8Array(data));
        if (parseAnswer(Buffer.concat(received))?.complete) finished.resolve();
      },
      close() {
        finished.resolve();
      },
      error() {
        finished.resolve();
      },
    },
  });
  socket.write(bytes);
  // No more bytes from us: a plane waiting for a body it was promised learns it will not come.
  socket.shutdown();
  const timer = setTimeout(() => finished.reject(new Error("hang")), hangBoundMs);
  try {
    await finished.promise;
  } catch {
    socket.end();
    throw new Error(`no answer and no close within ${hangBoundMs} ms`);
  } finally {
    clearTimeout(timer);
  }
  socket.end();
  const answer = parseAnswer(Buffer.concat(received));
  const ms = performance.now() - started;
  if (!answer) return { status: null, contentType: "", text: "", ms };
  return { status: answer.status, contentType: answer.contentType, text: answer.body, ms };
}

function parseAnswer(
  buffer: Buffer,
): { status: number; contentType: string; body: string; complete: boolean } | null {
  const headEnd = buffer.indexOf("\r\n\r\n");
  if (headEnd === -1) return null;
  const head = buffer.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(head[0]?.split(" ")[1]);
  // An interim answer ("100 Continue" to Expect) comes before the real one.
  if (status >= 100 && status < 200) return parseAnswer(buffer.subarray(headEnd + 4));
  const header = (name: string) =>
    head
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  const rest = buffer.subarray(headEnd + 4);
  const length = header("content-length");
  if (length !== undefined) {
    const body = rest.subarray(0, Number(length)).toString("utf8");
    return {
      status,
      contentType: header("content-type") ?? "",
      body,
      complete: rest.length >= Number(length),
    };
  }
  if (header("transfer-encoding")?.includes("chunked")) {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", offset);
      if (lineEnd === -1) break;
      const size = Number.parseInt(rest.subarray(offset, lineEnd).toString("latin1"), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) {
        return {
          status,
          contentType: header("content-type") ?? "",
          body: Buffer.concat(parts).toString("utf8"),
          complete: true,
        };
      }
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
    return {
      status,
      contentType: header("content-type") ?? "",
      body: Buffer.concat(parts).toString("utf8"),
      complete: false,
    };
  }
  return {
    status,
    contentType: header("content-type") ?? "",
    body: rest.toString("utf8"),
    complete: false,
  };
}

/** Request lines, headers and framings a client library would never produce. */
export function rawRequests(options: {
  paths: string[];
  authorization: () => string;
  /** Header lines every request carries (the client address the test stands for). */
  headerLines?: () => string[];
}): fc.Arbitrary<{ bytes: Uint8Array; method: string; summary: string }> {
  const methods = fc.oneof(
    { arbitrary: fc.constantFrom("POST", "GET"), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        "TRACE",
        "CONNECT",
        "PUT",
        "DELETE",
        "OPTIONS",
        "HEAD",
        "PATCH",
        "post",
        "G E T",
        "",
        "P\u0000ST",
        "PO\tST",
        "M".repeat(300),
      ),
      weight: 3,
    },
  );
  const targets = fc.oneof(
    { arbitrary: fc.constantFrom(...options.paths), weight: 6 },
    {
      arbitrary: fc
        .constantFrom(...options.paths)
        .chain((path) =>
          fc.constantFrom(
            `${path}?x=%00`,
            `${path}/../../../etc/passwd`,
            `/openai/v1/../../manage/v1/org`,
            `/anthropic/v1/./messages`,
            `${path.replace(/\//g, "\\")}`,
            `//${path}`,
            `http://evil.example${path}`,
            `${path}#fragment`,
            `${path} extra`,
            `${path}\u00e9\u00ff`,
            `${path}%`,
            `${path}?${"q".repeat(9_000)}`,
            "*",
            "",
            "/\u0000",
          ),
        ),
      weight: 3,
    },
  );
  const versions = fc.oneof(
    { arbitrary: fc.constant("HTTP/1.1"), weight: 8 },
    {
      arbitrary: fc.constantFrom(
        "HTTP/1.0",
        "HTTP/2.0",
        "HTTP/0.9",
        "HTTP/1.x",
        "http/1.1",
        "HTTP/1.1 x",
        "",
      ),
      weight: 2,
    },
  );
  const oddHeaderLines = fc.constantFrom(
    "X-Control: a\u0001\u0002b",
    "NoColonHere",
    " X-Leading-Space: v",
    "X-Folded: a\r\n continued",
    `X-Long: ${"l".repeat(9_000)}`,
    "X-High: \u00e9\u00ff\u0080",
    "X(Bad): v",
    ": empty-name",
    "Host: second.example",
    "Host: a^b",
    "Host: ",
    "Expect: 100-continue",
    "Content-Type: application/json",
    "Content-Type: text/plain",
    "Content-Encoding: gzip",
    "Authorization: Bearer mlx_sk_nope",
    "X-Forwarded-For: not-an-address",
  );
  const framings = fc.constantFrom(
    "content-length",
    "content-length",
    "chunked",
    "chunked",
    "none",
    "negative-length",
    "garbage-length",
    "two-lengths",
    "length-and-chunked",
    "chunked-bad-size",
    "chunked-short",
    "chunked-huge-size",
    "chunked-extension",
    "gzip-chunked",
    "length-too-long",
  );
  const bodies = fc.oneof(
    fc.constantFrom(
      '{"model":"@default","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}',
      '{"model":"openai/gpt-4o-mini","input":"hi"}',
      '{"name":"raw","slug":"raw"}',
      "",
      "{",
      "[".repeat(5_000),
    ),
    fc.string({ maxLength: 200 }),
  );
  return fc
    .record({
      method: methods,
      target: targets,
      version: versions,
      host: fc.constantFrom(
        "127.0.0.1",
        "127.0.0.1",
        "localhost",
        "a^b",
        "",
        "[::1",
        "x".repeat(300),
        null,
      ),
      auth: fc.boolean(),
      odd: fc.oneof(
        { arbitrary: fc.constant([]), weight: 3 },
        { arbitrary: fc.array(oddHeaderLines, { minLength: 1, maxLength: 2 }), weight: 2 },
      ),
      framing: framings,
      body: bodies,
      newline: fc.oneof(
        { arbitrary: fc.constant("\r\n"), weight: 9 },
        { arbitrary: fc.constant("\n"), weight: 1 },
      ),
    })
    .map((generated) => {
      const body = new TextEncoder().encode(generated.body);
      const lines = [`${generated.method} ${generated.target} ${generated.version}`.trimEnd()];
      if (generated.host !== null) lines.push(`Host: ${generated.host}`);
      if (generated.auth) lines.push(`Authorization: ${options.authorization()}`);
      lines.push("Connection: close", ...(options.headerLines?.() ?? []), ...generated.odd);
      let payload: Uint8Array = body;
      const chunk = (data: Uint8Array, size = data.length.toString(16)) =>
        Buffer.concat([Buffer.from(`${size}\r\n`), data, Buffer.from("\r\n0\r\n\r\n")]);
      switch (generated.framing) {
        case "content-length":
          lines.push(`Content-Length: ${body.length}`);
          break;
        case "chunked":
          lines.push("Transfer-Encoding: chunked");
          payload = body.length === 0 ? Buffer.from("0\r\n\r\n") : chunk(body);
          break;
        case "none":
          payload = new Uint8Array();
          break;
        case "negative-length":
          lines.push("Content-Length: -1");
          break;
        case "garbage-length":
          lines.push("Content-Length: 12abc");
          break;
        case "two-lengths":
          lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
          break;
        case "length-and-chunked":
          lines.push(`Content-Length: ${body.length}`, "Transfer-Encoding: chunked");
          payload = chunk(body);
          break;
        case "chunked-bad-size":
          lines.push("Transfer-Encoding: chunked");
          payload = chunk(body, "zz");
          break;
        case "chunked-short":
          lines.push("Transfer-Encoding: chunked");
          payload = chunk(body, (body.length + 7).toString(16));
          break;
        case "chunked-huge-size":
          lines.push("Transfer-Encoding: chunked");
          payload = chunk(body, "ffffffffffffffffff");
          break;
        case "chunked-extension":
          lines.push("Transfer-Encoding: chunked");
          payload = chunk(body, `${body.length.toString(16)};ext="x"`);
          break;
        case "gzip-chunked":
          lines.push("Transfer-Encoding: gzip, chunked");
          payload = chunk(body);
          break;
        case "length-too-long":
          lines.push(`Content-Length: ${body.length + 100}`);
          break;
      }
      const head = `${lines.join(generated.newline)}${generated.newline}${generated.newline}`;
      const bytes = Buffer.concat([Buffer.from(head, "latin1"), payload]);
      const summary = `${JSON.stringify(head.slice(0, 400))} + ${payload.length} body bytes (${generated.framing})`;
      return { bytes: new Uint8Array(bytes), method: generated.method, summary };
    });
}
