// Issue 14, point 10 (data plane part): a body nested far deeper than any request needs is a 400
// naming where, before anything walks it recursively (it was a 500 on embeddings and count_tokens),
// on every surface; ordinary nesting within the bound is served as before.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type GatewayHarness,
  HARNESS_KEY,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

/** `{"a":{"a":…1…}}`, `levels` objects deep. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

describe("body nesting depth", () => {
  let harness: GatewayHarness;
  beforeAll(() => {
    harness = startGatewayHarness();
  });
  afterAll(() => harness.stop());

  const post = (path: string, body: string) =>
    fetch(`${harness.baseUrl}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${HARNESS_KEY}`,
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
      },
      body,
    });

  const deepBodies: Array<[string, string]> = [
    [
      "/openai/v1/embeddings",
      `{"model":"openai/text-embedding-3-small","input":"x","user":${nested(100_000)}}`,
    ],
    [
      "/anthropic/v1/messages/count_tokens",
      `{"model":"@anthropic","messages":[{"role":"user","content":"x"}],"system":${nested(100_000)}}`,
    ],
    [
      "/openai/v1/chat/completions",
      `{"model":"@openai","messages":[{"role":"user","content":"x"}],"metadata":${nested(100_000)}}`,
    ],
    [
      "/anthropic/v1/messages",
      `{"model":"@anthropic","max_tokens":8,"messages":[{"role":"user","content":"x"}],"metadata":${nested(100_000)}}`,
    ],
  ];

  for (const [path, body] of deepBodies) {
    test(`${path}: 100k levels deep is a 400 naming the field`, async () => {
      const response = await post(path, body);
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: { message: string } };
      expect(answer.error.message).toContain("nests deeper than 128 levels");
      // The path names the top-level field the nesting is under.
      expect(answer.error.message).toMatch(/\(at (user|system|metadata)\.a\.a/);
    });
  }

  test("nesting within the bound is served", async () => {
    // 120 levels of JSON Schema nesting in a tool's parameters: deep, but a real shape.
    let schema: Record<string, unknown> = { type: "string" };
    for (let level = 0; level < 58; level++) {
      schema = { type: "object", properties: { inner: schema } };
    }
    const response = await post(
      "/openai/v1/chat/completions",
      JSON.stringify({
        model: "@openai",
        messages: [{ role: "user", content: "hi" }],
        tools: [{ type: "function", function: { name: "deep", parameters: schema } }],
      }),
    );
    expect(response.status).toBe(200);
  });
});
