// The data plane's request path without a network: every refusal is a clean error in OpenAI's
// shape with a request id, and readiness follows the snapshot.
import { describe, expect, test } from "bun:test";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import fixtureV1 from "../fixtures/snapshots/schema-v1.json";

const KEY = "mlx_sk_fixturefixturefixture";

function makeApp(loaded = true) {
  const loader = new SnapshotLoader({ secretBox: new SecretBox(new Uint8Array(32).fill(9)) });
  if (loaded) loader.apply(fixtureV1);
  const context = createDataPlaneContext({ nodeId: "unit", loader });
  return { app: createDataPlaneApp(context), context };
}

function chat(
  app: ReturnType<typeof makeApp>["app"],
  body: string,
  headers: Record<string, string> = { authorization: `Bearer ${KEY}` },
) {
  return app.handle(
    new Request("http://localhost/openai/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    }),
  );
}

async function expectOpenAiError(
  response: Response,
  status: number,
  type: string,
  messagePart?: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers.get("x-modelux-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  const body = (await response.json()) as {
    error: { type: string; message: string; code: string; param: string | null };
  };
  expect(body.error.type).toBe(type);
  expect(typeof body.error.code).toBe("string");
  if (messagePart) expect(body.error.message).toContain(messagePart);
  return body;
}

const valid = JSON.stringify({ model: "@default", messages: [{ role: "user", content: "hi" }] });

describe("data plane requests", () => {
  test("health is always up; readiness waits for a snapshot", async () => {
    const { app: cold } = makeApp(false);
    expect((await cold.handle(new Request("http://localhost/healthz"))).status).toBe(200);
    const notReady = await cold.handle(new Request("http://localhost/readyz"));
    expect(notReady.status).toBe(503);
    await expectOpenAiError(await chat(cold, valid), 503, "service_unavailable");
    const { app } = makeApp();
    const ready = await app.handle(new Request("http://localhost/readyz"));
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { snapshot_version: number }).snapshot_version).toBe(3);
  });

  test("keys: missing, unknown and revoked are 401", async () => {
    const { app, context } = makeApp();
    await expectOpenAiError(
      await chat(app, valid, {}),
      401,
      "authentication_error",
      "missing API key",
    );
    await expectOpenAiError(
      await chat(app, valid, { authorization: "Bearer mlx_sk_wrongwrongwrongwrong" }),
      401,
      "authentication_error",
    );
    context.revokedKeyHashes.add(hashKey(KEY));
    await expectOpenAiError(await chat(app, valid), 401, "authentication_error", "invalid API key");
  });

  test("malformed bodies are 400 naming the problem", async () => {
    const { app } = makeApp();
    await expectOpenAiError(
      await chat(app, "{not json"),
      400,
      "invalid_request_error",
      "not valid JSON",
    );
    await expectOpenAiError(await chat(app, "[1,2]"), 400, "invalid_request_error", "JSON object");
    const noModel = await expectOpenAiError(
      await chat(app, JSON.stringify({ messages: [] })),
      400,
      "invalid_request_error",
    );
    expect(noModel.error.param).toBe("model");
    const noMessages = await expectOpenAiError(
      await chat(app, JSON.stringify({ model: "@default" })),
      400,
      "invalid_request_error",
    );
    expect(noMessages.error.param).toBe("messages");
  });

  test("an unknown config is 404; an unknown bare model is 400 listing the prefixes", async () => {
    const { app } = makeApp();
    await expectOpenAiError(
      await chat(
        app,
        JSON.stringify({ model: "@nope", messages: [{ role: "user", content: "hi" }] }),
      ),
      404,
      "not_found_error",
      "@nope",
    );
    const unknown = await expectOpenAiError(
      await chat(
        app,
        JSON.stringify({ model: "llama-3", messages: [{ role: "user", content: "hi" }] }),
      ),
      400,
      "invalid_request_error",
    );
    expect(unknown.error.message).toContain("gpt-*");
    expect(unknown.error.message).toContain("claude-*");
  });

  test("an unreachable upstream is a 502 that names no credential", async () => {
    // The fixture's provider points at 127.0.0.1:1, where nothing listens.
    const { app } = makeApp();
    const body = await expectOpenAiError(
      await chat(app, valid),
      502,
      "upstream_error",
      "unreachable",
    );
    expect(JSON.stringify(body)).not.toContain("sk-fixture");
  });
});
