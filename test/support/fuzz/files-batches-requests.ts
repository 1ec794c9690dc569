// Fuzzed requests for files and batches on both surfaces: multipart uploads that are malformed
// (no boundary, a boundary the body does not use, no closing delimiter, missing `file` or
// `purpose`, bad purposes), batch bodies with missing or wrong fields, batch input files whose
// JSONL lines are wrong (uploaded once, then named by id), and bad ids in paths.
import fc from "fast-check";
import { oddValue, toJsonText, usually } from "./json-values.ts";

const encoder = new TextEncoder();
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constant("Hello"));

/** JSONL input files a batch may name: each has lines a batch create must refuse or admit. */
export const BATCH_INPUT_FILES: Record<string, string> = {
  valid: `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] } })}\n`,
  notJson: "{not json\n",
  array: "[1,2,3]\n",
  bodyNotObject: `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: "x" })}\n`,
  modelMissing: `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { messages: [] } })}\n`,
  modelNotString: `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: 42, messages: [] } })}\n`,
  prefixedModel: `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: "openai/gpt-4o-mini", messages: [] } })}\n`,
  routingConfig: `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: "@default", messages: [] } })}\n`,
  badUrl: `${JSON.stringify({ custom_id: "a", method: "GET", url: "/v1/nope", body: { model: "gpt-4o-mini" } })}\n`,
  duplicateIds:
    `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [] } })}\n`.repeat(
      2,
    ),
  nulAndBom: `\ufeff{"custom_id":"a\\u0000","body":{"model":"gpt-4o-mini"}}\n\u0000\n`,
  deep: `{"custom_id":"a","body":{"model":"gpt-4o-mini","messages":${"[".repeat(5_000)}${"]".repeat(5_000)}}}\n`,
  empty: "\n\n",
};

/** Purposes, valid and not. */
const purposes = fc.constantFrom(
  "batch",
  "user_data",
  "fine-tune",
  "assistants",
  "vision",
  "",
  "BATCH",
  "x".repeat(300),
);

const boundary = "fuzzBoundary7MA4YWxkTrZu0gW";

function multipart(
  parts: Array<{ name: string; filename?: string; type?: string; value: string }>,
) {
  const pieces = parts.map(
    (part) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${part.filename === undefined ? "" : `; filename="${part.filename}"`}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ""}\r\n${part.value}\r\n`,
  );
  return `${pieces.join("")}--${boundary}--\r\n`;
}

export interface BodyParts {
  body: Uint8Array | null;
  contentType: string | null;
}

/** An upload: a well-formed multipart body (fields possibly wrong) or one malformed on purpose. */
export const uploads: fc.Arbitrary<BodyParts> = fc.oneof(
  {
    arbitrary: fc
      .record(
        {
          purpose: purposes,
          file: fc.oneof(
            fc.constantFrom(...Object.values(BATCH_INPUT_FILES)),
            fc.string({ maxLength: 200 }),
          ),
          filename: fc.constantFrom(
            "input.jsonl",
            "",
            "../../etc/passwd",
            "a\u0000b.jsonl",
            "ü.jsonl",
          ),
          type: fc.constantFrom("application/jsonl", "application/octet-stream", "text/plain", ""),
          extra: fc.option(fc.string({ maxLength: 20 })),
        },
        { requiredKeys: ["file"] },
      )
      .map((fields) => {
        const parts: Array<{ name: string; filename?: string; type?: string; value: string }> = [];
        if (fields.purpose !== undefined) parts.push({ name: "purpose", value: fields.purpose });
        parts.push({
          name: "file",
          filename: fields.filename,
          type: fields.type,
          value: fields.file,
        });
        if (fields.extra) parts.push({ name: "expires_after", value: fields.extra });
        return {
          body: encoder.encode(multipart(parts)),
          contentType: `multipart/form-data; boundary=${boundary}`,
        };
      }),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom<BodyParts>(
      // purpose only, no file
      {
        body: encoder.encode(multipart([{ name: "purpose", value: "batch" }])),
        contentType: `multipart/form-data; boundary=${boundary}`,
      },
      // file given as a plain field
      {
        body: encoder.encode(
          multipart([
            { name: "purpose", value: "batch" },
            { name: "file", value: "x" },
          ]),
        ),
        contentType: `multipart/form-data; boundary=${boundary}`,
      },
      // boundary the body does not use
      {
        body: encoder.encode(multipart([{ name: "purpose", value: "batch" }])),
        contentType: "multipart/form-data; boundary=other",
      },
      // no closing delimiter
      {
        body: encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc`,
        ),
        contentType: `multipart/form-data; boundary=${boundary}`,
      },
      // no boundary parameter, empty boundary, empty body
      {
        body: encoder.encode(multipart([{ name: "purpose", value: "batch" }])),
        contentType: "multipart/form-data",
      },
      { body: encoder.encode("--\r\n\r\n--"), contentType: "multipart/form-data; boundary=" },
      { body: new Uint8Array(0), contentType: `multipart/form-data; boundary=${boundary}` },
      { body: null, contentType: `multipart/form-data; boundary=${boundary}` },
      // JSON or form-encoded instead of multipart
      { body: encoder.encode('{"purpose":"batch","file":"x"}'), contentType: "application/json" },
      {
        body: encoder.encode("purpose=batch&file=x"),
        contentType: "application/x-www-form-urlencoded",
      },
      // headers without a blank line, and a header line 20k long
      {
        body: encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"\r\n--${boundary}--\r\n`,
        ),
        contentType: `multipart/form-data; boundary=${boundary}`,
      },
      {
        body: encoder.encode(
          `--${boundary}\r\nX: ${"h".repeat(20_000)}\r\n\r\nv\r\n--${boundary}--\r\n`,
        ),
        contentType: `multipart/form-data; boundary=${boundary}`,
      },
    ),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(
          `multipart/form-data; boundary=${boundary}`,
          "multipart/mixed; boundary=x",
          null,
        ),
      )
      .map(([body, contentType]) => ({ body, contentType })),
    weight: 1,
  },
);

/** Ids of files or batches: known ones (from the setup), prefixed junk, encoded junk. */
export const resourceIds = (known: () => string[], prefixes: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    {
      arbitrary: fc.nat({ max: 1_000 }).map((index) => {
        const ids = known();
        return ids[index % ids.length] ?? "file-none";
      }),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(...prefixes),
          fc.constantFrom("", "abc", "0".repeat(32), "%00", "%2e%2e", "x".repeat(3_000)),
        )
        .map(([prefix, rest]) => `${prefix}${rest}`),
      weight: 3,
    },
    { arbitrary: fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent), weight: 1 },
  );

/** OpenAI batch create bodies: input_file_id from known files (with bad JSONL lines) or junk. */
export const openAiBatchBodies = (fileIds: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
  fc.record(
    {
      input_file_id: usually(fileIds),
      endpoint: usually(
        fc.constantFrom("/v1/chat/completions", "/v1/embeddings", "/v1/responses", "/v1/nope", ""),
      ),
      completion_window: usually(fc.constantFrom("24h", "1h", "")),
      metadata: usually(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      ),
      [`unknown_${"field"}`]: oddValue,
    },
    { requiredKeys: [] },
  );

/** Anthropic batch create bodies: `requests` wrong at every level. */
export const anthropicBatchBodies = (models: fc.Arbitrary<string>): fc.Arbitrary<unknown> => {
  const params = fc.record(
    {
      model: usually(models),
      max_tokens: usually(fc.integer({ min: -1, max: 300 })),
      messages: usually(
        fc.array(
          fc.record({
            role: usually(fc.constantFrom("user", "assistant")),
            content: usually(text),
          }),
          { maxLength: 2 },
        ),
      ),
      stream: usually(fc.boolean()),
    },
    { requiredKeys: [] },
  );
  const request = fc.oneof(
    fc.record(
      {
        custom_id: usually(fc.constantFrom("a", "b", "", "x".repeat(100))),
        params: usually(params),
      },
      { requiredKeys: [] },
    ),
    oddValue,
  );
  return fc.record(
    {
      requests: fc.oneof(
        { arbitrary: fc.array(request, { maxLength: 3 }), weight: 5 },
        { arbitrary: oddValue, weight: 1 },
      ),
      [`unknown_${"field"}`]: oddValue,
    },
    { requiredKeys: [] },
  );
};

/** A JSON body arbitrary as the (body, content type) pair a route sends. */
export const jsonParts = (
  bodies: fc.Arbitrary<unknown>,
  bytes: (text: fc.Arbitrary<string>) => fc.Arbitrary<Uint8Array>,
  contentTypes: fc.Arbitrary<string | null>,
): fc.Arbitrary<BodyParts> =>
  fc.record({
    body: fc.option(bytes(bodies.map(toJsonText)), { freq: 12 }),
    contentType: contentTypes,
  });
