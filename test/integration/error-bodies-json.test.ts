// Every answer of both planes is JSON in the caller's error shape (issue 14, point 11): unknown
// paths (404), wrong methods (405 with Allow), oversized request heads (431, which Bun itself
// would answer with an empty body), Elysia's own refusals; and a cut upstream stream says "the
// upstream stream was interrupted" on both surfaces, never the runtime's own text.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { MAX_HEADER_BYTES } from "#shared/http/header-limit.ts";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { type ManagementHarness, startManagementHarness } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const OVERSIZED = "a".repeat(MAX_HEADER_BYTES + 1024);

interface Answer {
  status: number;
  contentType: string | null;
  allow: string | null;
  json: Record<string, unknown> & { error?: Record<string, unknown> };
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Answer["json"];
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(
      `${init.method ?? "GET"} ${url} answered ${response.status} with non-JSON: ${JSON.stringify(text)}`,
    );
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    allow: response.headers.get("allow"),
    json,
  };
}

function expectOpenAiShape(answer: Answer, status: number) {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toContain("application/json");
  expect(typeof answer.json.error?.type).toBe("string");
  expect(typeof answer.json.error?.message).toBe("string");
  expect(answer.json.error).toHaveProperty("param");
}

function expectAnthropicShape(answer: Answer, status: number) {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toContain("application/json");
  expect(answer.json.type).toBe("error");
  expect(typeof answer.json.error?.type).toBe("string");
  expect(typeof answer.json.error?.message).toBe("string");
}

function expectGenericShape(answer: Answer, status: number) {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toContain("application/json");
  expect(answer.json.error?.status).toBe(status);
  expect(typeof answer.json.error?.type).toBe("string");
  expect(typeof answer.json.error?.message).toBe("string");
}

describe("data plane: every error is JSON in the caller's shape", () => {
  let harness: GatewayHarness;
  beforeAll(() => {
    harness = startGatewayHarness();
  });
  afterEach(() => fetch(`${harness.simulator.url}/_sim/faults`, { method: "DELETE" }));
  afterAll(() => harness.stop());

  test("unknown routes are 404s: OpenAI's shape, Anthropic's, generic elsewhere", async () => {
    const openai = await send(`${harness.baseUrl}/openai/v1/nope`);
    expectOpenAiShape(openai, 404);
    expect(openai.json.error?.type).toBe("not_found_error");
    expectAnthropicShape(
      await send(`${harness.baseUrl}/anthropic/v1/nope`, { method: "POST" }),
      404,
    );
    expectGenericShape(await send(`${harness.baseUrl}/nope`), 404);
    expectGenericShape(await send(`${harness.baseUrl}/%00`), 404);
  });

  test("a wrong method is a 405 naming the allowed ones, and the SDKs see an APIError", async () => {
    const chat = await send(`${harness.baseUrl}/openai/v1/chat/completions`, { method: "DELETE" });
    expectOpenAiShape(chat, 405);
    expect(chat.allow).toBe("POST");
    const messages = await send(`${harness.baseUrl}/anthropic/v1/messages`);
    expectAnthropicShape(messages, 405);
    expect(messages.allow).toBe("POST");
    const health = await send(`${harness.baseUrl}/healthz`, { method: "POST" });
    expectGenericShape(health, 405);
    expect(health.allow).toBe("GET");

    const client = openAiClient(harness);
    const error = await client.models.retrieve("gpt-4o").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test("oversized request headers are a JSON 431 in the caller's shape, not Bun's empty one", async () => {
    const headers = { authorization: `Bearer ${HARNESS_KEY}`, "x-padding": OVERSIZED };
    const body = JSON.stringify({ model: "@openai", messages: [{ role: "user", content: "hi" }] });
    expectOpenAiShape(
      await send(`${harness.baseUrl}/openai/v1/chat/completions`, {
        method: "POST",
        headers,
        body,
      }),
      431,
    );
    expectAnthropicShape(
      await send(`${harness.baseUrl}/anthropic/v1/messages`, { method: "POST", headers, body }),
      431,
    );
    expectGenericShape(await send(`${harness.baseUrl}/healthz`, { headers }), 431);
    // A long URL counts as head too.
    expectOpenAiShape(await send(`${harness.baseUrl}/openai/v1/models?x=${OVERSIZED}`), 431);
  });

  const cuts = [
    ["OpenAI surface, same shape", "openai", "@openai"],
    ["OpenAI surface, translated (Anthropic)", "openai", "@anthropic"],
    ["OpenAI surface, translated (Gemini)", "openai", "@google"],
    ["Anthropic surface, same shape", "anthropic", "@anthropic"],
    ["Anthropic surface, translated (OpenAI)", "anthropic", "@openai"],
    ["Anthropic surface, translated (Bedrock)", "anthropic", "@bedrock"],
  ] as const;
  for (const [name, surface, model] of cuts) {
    test(`a cut upstream stream says so, never the runtime's text: ${name}`, async () => {
      await fetch(`${harness.simulator.url}/_sim/faults`, {
        method: "POST",
        body: JSON.stringify({ model: "*", cut_after_chunks: 3, count: 1 }),
      });
      let message = "";
      const messages = [{ role: "user" as const, content: "tell me something" }];
      if (surface === "openai") {
        const client = openAiClient(harness);
        const stream = await client.chat.completions.create({ model, messages, stream: true });
        const failure = await (async () => {
          for await (const _chunk of stream) {
            // read until the error
          }
        })().catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(OpenAI.APIError);
        message = (failure as Error).message;
      } else {
        const client = anthropicClient(harness);
        const stream = await client.messages.create({
          model,
          messages,
          max_tokens: 64,
          stream: true,
        });
        const failure = await (async () => {
          for await (const _event of stream) {
            // read until the error
          }
        })().catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(Anthropic.APIError);
        message = (failure as Error).message;
      }
      expect(message).toContain("the upstream stream was interrupted");
      expect(message).not.toContain("ECONNRESET");
      expect(message).not.toContain("verbose");
    });
  }
});

describe.skipIf(servicesAbsent)(
  "control plane: every error is JSON in the Management API's shape",
  () => {
    let database: TestDatabase;
    let harness: ManagementHarness;
    beforeAll(async () => {
      database = await createTestDatabase();
      harness = await startManagementHarness(database.handle);
    });
    afterAll(async () => {
      await harness?.stop();
      await database?.drop();
    });
    const auth = () => ({ authorization: `Bearer ${harness.org.keys.owner}` });

    test("unknown paths are 404s, under /manage and elsewhere", async () => {
      const api = await send(`${harness.url}/manage/v1/nope`, { headers: auth() });
      expectGenericShape(api, 404);
      expect(api.json.error?.type).toBe("not_found");
      expectGenericShape(await send(`${harness.url}/nope`), 404);
      expectGenericShape(await send(`${harness.url}/manage/nope`, { method: "PUT" }), 404);
    });

    test("a wrong method is a 405 with Allow", async () => {
      const projects = await send(`${harness.url}/manage/v1/projects`, {
        method: "PUT",
        headers: auth(),
      });
      expectGenericShape(projects, 405);
      expect(projects.json.error?.type).toBe("method_not_allowed");
      expect(projects.allow?.split(", ").sort()).toEqual(["GET", "POST"]);
      const health = await send(`${harness.url}/readyz`, { method: "DELETE" });
      expectGenericShape(health, 405);
      expect(health.allow).toBe("GET");
    });

    test("oversized request headers are a JSON 431", async () => {
      const answer = await send(`${harness.url}/manage/v1/projects`, {
        headers: { ...auth(), "x-padding": OVERSIZED },
      });
      expectGenericShape(answer, 431);
      expect(answer.json.error?.type).toBe("headers_too_large");
      expectGenericShape(
        await send(`${harness.url}/healthz`, { headers: { "x-padding": OVERSIZED } }),
        431,
      );
    });
  },
);
