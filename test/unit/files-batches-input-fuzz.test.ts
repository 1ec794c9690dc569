// Property tests on the readers of batch input: an Anthropic batch body read as it arrives
// (spoolRequests) and a batch input file's JSONL lines (jsonlLines, parseObjectLine). Whatever the
// bytes and however they are cut into chunks, the reader ends in a result or a 4xx GatewayError
// (a TypeError or a parser's own error would be a 500 at the surface).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  jsonlLines,
  LineTooLongError,
  parseObjectLine,
} from "../../dataplane/surfaces/files-batches/jsonl.ts";
import { spoolRequests } from "../../dataplane/surfaces/files-batches/spool-requests.ts";
import { MAX_BODY_DEPTH } from "../../dataplane/surfaces/parse-body.ts";
import { oddValue, toJsonText } from "../support/fuzz/json-values.ts";

/** The bytes as a stream of chunks cut at the given points. */
function chunked(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) pieces.push(bytes.slice(start, point));
    start = Math.max(start, point);
  }
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
}

const encode = (text: string) => new TextEncoder().encode(text);
const cuts = fc.array(fc.nat({ max: 2_000 }), { maxLength: 6 });

const batchRequest = fc.oneof(
  fc.record(
    {
      custom_id: fc.oneof(fc.string({ maxLength: 8 }), oddValue),
      params: fc.oneof(
        fc.record(
          {
            model: fc.oneof(fc.constantFrom("anthropic/claude-sonnet-4-5", "x"), oddValue),
            max_tokens: fc.oneof(fc.integer(), oddValue),
            messages: oddValue,
          },
          { requiredKeys: [] },
        ),
        oddValue,
      ),
    },
    { requiredKeys: [] },
  ),
  oddValue,
);
const batchBody = fc.oneof(
  {
    arbitrary: fc
      .array(batchRequest, { minLength: 1, maxLength: 3 })
      .map((requests) => toJsonText({ requests })),
    weight: 6,
  },
  {
    arbitrary: fc
      .record({ requests: oddValue, other: oddValue }, { requiredKeys: [] })
      .map(toJsonText),
    weight: 2,
  },
  { arbitrary: fc.oneof(fc.string({ maxLength: 80 }), fc.json()), weight: 2 },
);

describe("batch input readers under arbitrary bytes", () => {
  test("an Anthropic batch body: spooled, or a 4xx naming what is wrong", async () => {
    let spooled = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: batchBody.map(encode), weight: 8 },
          { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
        ),
        cuts,
        async (bytes, points) => {
          try {
            const result = await spoolRequests(
              chunked(bytes, points),
              `fuzz-${Bun.randomUUIDv7()}`,
              (request) => request,
            );
            spooled++;
            // What went to the file is the requests read, as JSON.
            const written = JSON.parse(await result.file.text()) as { requests: unknown[] };
            expect(written.requests.length).toBe(result.requests);
            await result.dispose();
          } catch (error) {
            if (!(error instanceof GatewayError)) throw error;
            expect(error.status).toBeGreaterThanOrEqual(400);
            expect(error.status).toBeLessThan(500);
          }
        },
      ),
      { numRuns: 300 },
    );
    // Most generated bodies hold a request list: the property covers the success path too.
    expect(spooled).toBeGreaterThan(10);
  });

  test("a request nested past the surfaces' depth bound is a 400 naming it, not a parser overflow", async () => {
    // Was: 50,000 levels overflowed the streaming parser's stack (a second of CPU, then a vague 400).
    const depth = 60_000;
    const body = `{"requests":[{"custom_id":"a","params":{"messages":${"[".repeat(depth)}${"]".repeat(depth)}}}]}`;
    const spooled = spoolRequests(
      chunked(encode(body), [1_000]),
      `deep-${Bun.randomUUIDv7()}`,
      (request) => request,
    );
    await expect(spooled).rejects.toMatchObject({
      status: 400,
      message: `requests.0: nests deeper than ${MAX_BODY_DEPTH} levels`,
      details: { param: "requests.0" },
    });
    // Within the bound a nested request is spooled as sent.
    const nested = `{"requests":[{"custom_id":"a","params":{"x":${"[".repeat(100)}${"]".repeat(100)}}}]}`;
    const result = await spoolRequests(
      chunked(encode(nested), [7]),
      `ok-${Bun.randomUUIDv7()}`,
      (request) => request,
    );
    expect(JSON.parse(await result.file.text())).toEqual(JSON.parse(nested));
    await result.dispose();
  });

  test("a JSONL input file: the same non-blank lines however the bytes arrive", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(fc.string({ maxLength: 40 }), oddValue.map(toJsonText), fc.constant("")),
          { maxLength: 6 },
        ),
        cuts,
        async (lines, points) => {
          const text = lines.map((line) => line.replaceAll("\n", " ")).join("\n");
          const read: string[] = [];
          for await (const line of jsonlLines(chunked(encode(text), points))) {
            read.push(line);
            const parsed = parseObjectLine(line);
            if (parsed !== null) expect(typeof parsed).toBe("object");
          }
          const expected = text
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line !== "");
          expect(read).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a JSONL line past the bound stops the read with the error naming it", async () => {
    const read = async () => {
      for await (const _ of jsonlLines(
        chunked(encode(`{"a":"${"x".repeat(200)}"}`), [50, 100]),
        64,
      ));
    };
    await expect(read()).rejects.toBeInstanceOf(LineTooLongError);
  });
});
