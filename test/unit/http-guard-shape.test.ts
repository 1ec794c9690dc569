// The data plane guard's refusals (body too large, failed-auth limit, bad Host) in the caller's
// shape: under /openai OpenAI's, under /anthropic Anthropic's, elsewhere the generic one that every
// other answer outside the surfaces takes. Found by the fuzz pass: a 429 at "/" came in OpenAI's.
import { describe, expect, test } from "bun:test";
import { defaultRequestLimits } from "#shared/env/settings.ts";
import { guardDataPlane } from "../../dataplane/http-guard.ts";

const { fetch: guarded } = guardDataPlane(async (request) => {
  await request.text();
  return new Response("{}", { headers: { "content-type": "application/json" } });
}, defaultRequestLimits(16));

const tooLarge = async (path: string) => {
  const response = await guarded(
    new Request(`http://gateway.test${path}`, {
      method: "POST",
      headers: { "content-length": "64" },
      body: "x".repeat(64),
    }),
    undefined as never,
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("data plane guard refusals", () => {
  test.each(["/", "/healthz", "/openaix/v1/chat/completions", "/v1/chat/completions?x=/openai"])(
    "%s: the generic shape, its status the HTTP status",
    async (path) => {
      const { status, body } = await tooLarge(path);
      expect(status).toBe(413);
      expect(body).toMatchObject({ error: { code: "payload_too_large", status: 413 } });
    },
  );

  test.each(["/openai", "/openai/v1/responses", "/openai?x=1"])(
    "%s: OpenAI's shape",
    async (path) => {
      const { status, body } = await tooLarge(path);
      expect(status).toBe(413);
      expect(body.type).toBeUndefined();
      expect(body.error).toHaveProperty("param");
    },
  );

  test.each(["/anthropic/v1/messages", "/anthropic"])("%s: Anthropic's shape", async (path) => {
    const { status, body } = await tooLarge(path);
    expect(status).toBe(413);
    expect(body).toMatchObject({ type: "error", error: { type: expect.any(String) } });
  });
});
