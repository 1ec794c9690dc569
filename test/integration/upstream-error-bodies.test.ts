// No upstream body reaches a client as the upstream wrote it (issue 14, points 1 and 2): an
// upstream error that quotes the org's credentials (OpenAI's "Incorrect API key provided: …") or
// key-shaped strings is answered in the closed error set, scrubbed, on every path: chat plain and
// streamed, embeddings, messages plain and streamed, count_tokens. A non-JSON or unexpected 2xx
// body from an upstream (an internal page behind a provider's base URL) is a 502.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

// Not key-shaped: only the org's own credential list can catch these.
const OPENAI_CREDENTIAL = "live-openai-credential-7f3k-9q2z";
const ANTHROPIC_CREDENTIAL = "anthropic-org-credential-plain-4242";
const KEY_SHAPED = [
  "sk-proj-Zx81kLm29QpT4vWn7Yr3",
  "sk-ant-api03-AbCdEfGh1234567890",
  "AKIAIOSFODNN7EXAMPLE",
  "AIzaSyD-1234567890abcdefghijklmnopqrs",
  "eyJhbGciOiJIUzI1NiJ9.payload.signature",
  "mlx_sk_abcdefghijklmnop0123",
  "mlx_mk_abcdefghijklmnop0123",
  "0123456789abcdef0123456789abcdef01234567",
  "QWxhZGRpbjpvcGVuIHNlc2FtZQ0123456789AbCd",
];
const SECRETS = [OPENAI_CREDENTIAL, ANTHROPIC_CREDENTIAL, ...KEY_SHAPED];
const QUOTING_MESSAGE =
  `Incorrect API key provided: ${OPENAI_CREDENTIAL}. Also tried ${ANTHROPIC_CREDENTIAL}; ` +
  `${KEY_SHAPED.slice(0, 4).join(" ")} Authorization: Bearer ${KEY_SHAPED[4]} ` +
  KEY_SHAPED.slice(5).join(" ");

function expectNoSecret(text: string) {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

const headers = {
  authorization: `Bearer ${HARNESS_KEY}`,
  "content-type": "application/json",
  "anthropic-version": "2023-06-01",
};

const CALLS = {
  chat: [
    "/openai/v1/chat/completions",
    { model: "@openai", messages: [{ role: "user", content: "hi" }] },
  ],
  "chat stream": [
    "/openai/v1/chat/completions",
    { model: "@openai", stream: true, messages: [{ role: "user", content: "hi" }] },
  ],
  embeddings: ["/openai/v1/embeddings", { model: "openai/text-embedding-3-small", input: "hi" }],
  messages: [
    "/anthropic/v1/messages",
    { model: "@anthropic", max_tokens: 16, messages: [{ role: "user", content: "hi" }] },
  ],
  "messages stream": [
    "/anthropic/v1/messages",
    {
      model: "@anthropic",
      max_tokens: 16,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    },
  ],
  count_tokens: [
    "/anthropic/v1/messages/count_tokens",
    { model: "@anthropic", messages: [{ role: "user", content: "hi" }] },
  ],
} as const;

describe("upstream error bodies that quote credentials", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const fault = (spec: Record<string, unknown>) =>
    fetch(`${harness.simulator.url}/_sim/faults`, { method: "POST", body: JSON.stringify(spec) });
  const quotingError = (status: number, format: "openai" | "anthropic") =>
    fault({
      model: "*",
      status,
      count: 1,
      format,
      body:
        format === "openai"
          ? {
              error: {
                message: QUOTING_MESSAGE,
                type: "invalid_request_error",
                param: "messages",
                code: "invalid_api_key",
              },
            }
          : { type: "error", error: { type: "invalid_request_error", message: QUOTING_MESSAGE } },
    });

  beforeAll(() => {
    harness = startGatewayHarness({
      vendors: {
        openai: { credential: OPENAI_CREDENTIAL },
        anthropic: { credential: ANTHROPIC_CREDENTIAL },
      },
    });
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterEach(() => fetch(`${harness.simulator.url}/_sim/faults`, { method: "DELETE" }));
  afterAll(() => harness.stop());

  for (const [name, [path, body]] of Object.entries(CALLS)) {
    const format = path.startsWith("/openai") ? "openai" : "anthropic";
    test(`${name}: a 400 quoting keys is the gateway's 400, scrubbed, in the caller's shape`, async () => {
      await quotingError(400, format);
      const response = await fetch(harness.baseUrl + path, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/json");
      const text = await response.text();
      expectNoSecret(text);
      const json = JSON.parse(text);
      if (format === "openai") {
        expect(json.error.type).toBe("invalid_request_error");
        expect(json.error.param).toBe("messages");
        expect(json.error.message).toContain("Incorrect API key provided: [redacted]");
      } else {
        expect(json.type).toBe("error");
        expect(json.error.type).toBe("invalid_request_error");
        expect(json.error.message).toContain("Incorrect API key provided: [redacted]");
      }
    });

    test(`${name}: a 401 quoting the key is a 502 that names no key`, async () => {
      await quotingError(401, format);
      const response = await fetch(harness.baseUrl + path, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(502);
      const text = await response.text();
      expectNoSecret(text);
      expect(text).toContain("the provider rejected its credential");
    });
  }

  test("the OpenAI SDK raises BadRequestError / NotFoundError, plain and streamed, without the key", async () => {
    const params = { model: "@openai", messages: [{ role: "user" as const, content: "hi" }] };
    await quotingError(400, "openai");
    const plain = await openai.chat.completions.create(params).catch((error: unknown) => error);
    expect(plain).toBeInstanceOf(OpenAI.BadRequestError);
    expectNoSecret(JSON.stringify((plain as InstanceType<typeof OpenAI.APIError>).error));
    expect((plain as InstanceType<typeof OpenAI.APIError>).param).toBe("messages");

    await quotingError(400, "openai");
    const streamed = await openai.chat.completions
      .create({ ...params, stream: true })
      .catch((error: unknown) => error);
    expect(streamed).toBeInstanceOf(OpenAI.BadRequestError);
    expectNoSecret((streamed as Error).message);

    await quotingError(404, "openai");
    const embeddings = await openai.embeddings
      .create({ model: "openai/text-embedding-3-small", input: "hi" })
      .catch((error: unknown) => error);
    expect(embeddings).toBeInstanceOf(OpenAI.NotFoundError);
    expectNoSecret((embeddings as Error).message);
  });

  test("the Anthropic SDK raises BadRequestError on messages (plain, streamed) and count_tokens", async () => {
    const params = {
      model: "@anthropic",
      max_tokens: 16,
      messages: [{ role: "user" as const, content: "hi" }],
    };
    await quotingError(400, "anthropic");
    const plain = await anthropic.messages.create(params).catch((error: unknown) => error);
    expect(plain).toBeInstanceOf(Anthropic.BadRequestError);
    expectNoSecret((plain as Error).message);

    await quotingError(400, "anthropic");
    const streamed = await (async () => {
      const stream = await anthropic.messages.create({ ...params, stream: true });
      for await (const _event of stream) {
        // An error before the stream starts is raised by create.
      }
    })().catch((error: unknown) => error);
    expect(streamed).toBeInstanceOf(Anthropic.BadRequestError);
    expectNoSecret((streamed as Error).message);

    await quotingError(400, "anthropic");
    const counted = await anthropic.messages
      .countTokens({ model: "@anthropic", messages: params.messages })
      .catch((error: unknown) => error);
    expect(counted).toBeInstanceOf(Anthropic.BadRequestError);
    expectNoSecret((counted as Error).message);
  });

  test("a translated path scrubs the org's credential too (Anthropic upstream, OpenAI caller)", async () => {
    await quotingError(400, "anthropic");
    const response = await fetch(`${harness.baseUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "@anthropic", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(400);
    expectNoSecret(await response.text());
  });
});

describe("upstream bodies that are not the expected shape", () => {
  const INTERNAL = "INTERNAL-ONLY-7731 root:x:0:0";
  let mode: "text" | "json" | "html-error" = "text";
  let internal: ReturnType<typeof Bun.serve>;
  let harness: GatewayHarness;

  beforeAll(() => {
    // An internal service a provider's base_url was pointed at: it answers anything, not JSON.
    internal = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => {
        if (mode === "json") return Response.json({ status: "ok", secret: INTERNAL });
        if (mode === "html-error") {
          return new Response(`<html><body>${INTERNAL}</body></html>`, {
            status: 400,
            headers: { "content-type": "text/html" },
          });
        }
        return new Response(INTERNAL, { headers: { "content-type": "text/plain" } });
      },
    });
    harness = startGatewayHarness({
      vendors: { openai: { baseUrl: `http://127.0.0.1:${internal.port}/v1` } },
    });
  });
  afterAll(async () => {
    await harness.stop();
    internal.stop(true);
  });

  const call = (path: string, body: unknown) =>
    fetch(harness.baseUrl + path, { method: "POST", headers, body: JSON.stringify(body) });

  for (const kind of ["text", "json", "html-error"] as const) {
    test(`embeddings: a ${kind} answer never reaches the client as is`, async () => {
      mode = kind;
      const response = await call("/openai/v1/embeddings", {
        model: "openai/text-embedding-3-small",
        input: "hi",
      });
      expect(response.status).toBe(kind === "html-error" ? 400 : 502);
      const text = await response.text();
      expect(text).not.toContain("INTERNAL-ONLY");
      const json = JSON.parse(text);
      expect(json.error.type).toBe(
        kind === "html-error" ? "invalid_request_error" : "upstream_error",
      );
    });

    test(`chat, plain and streamed: a ${kind} answer never reaches the client as is`, async () => {
      mode = kind;
      for (const stream of [false, true]) {
        const response = await call("/openai/v1/chat/completions", {
          model: "@openai",
          stream,
          messages: [{ role: "user", content: "hi" }],
        });
        expect(response.status).toBe(kind === "html-error" ? 400 : 502);
        const text = await response.text();
        expect(text).not.toContain("INTERNAL-ONLY");
        expect(response.headers.get("content-type")).toContain("application/json");
      }
    });
  }

  test("the OpenAI SDK sees a 502 as InternalServerError for a plain-text 200 on embeddings", async () => {
    mode = "text";
    const client = openAiClient(harness);
    const error = await client.embeddings
      .create({ model: "openai/text-embedding-3-small", input: "hi" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).not.toContain("INTERNAL-ONLY");
  });
});
