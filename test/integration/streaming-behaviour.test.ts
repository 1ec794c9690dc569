// What streams promise the caller: usage is read on the fast path without changing what the
// client asked for; a stream cut after its first byte ends with an error event in the caller's
// shape, translated or not; Anthropic's version and beta headers reach Anthropic verbatim.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import {
  type GatewayHarness,
  HARNESS_KEY,
  HARNESS_VENDORS,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

describe("streaming behaviour", () => {
  let harness: GatewayHarness;
  beforeAll(() => {
    harness = startGatewayHarness();
  });
  afterAll(() => harness.stop());
  beforeEach(async () => {
    await fetch(`${harness.simulator.url}/_sim/faults`, { method: "DELETE" });
    await fetch(`${harness.simulator.url}/_sim/calls`, { method: "DELETE" });
  });

  const post = (
    path: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${harness.baseUrl}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${HARNESS_KEY}`,
        "content-type": "application/json",
        ...headers,
      },
      body: JSON.stringify(body),
    });
  const lastCall = async (format: string) => {
    const calls = (await (await fetch(`${harness.simulator.url}/_sim/calls`)).json()) as {
      last: Record<string, { body: Record<string, unknown>; headers: Record<string, string> }>;
    };
    return calls.last[format];
  };
  const cut = (model: string | undefined, after: number) =>
    fetch(`${harness.simulator.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, cut_after_chunks: after, count: 1 }),
    });
  const dataLines = (text: string) =>
    text
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => line.slice(6));

  test("fast path: usage is asked of the upstream, and stripped when the client did not ask", async () => {
    const response = await post("/openai/v1/chat/completions", {
      model: "@openai",
      stream: true,
      messages: [{ role: "user", content: "hello" }],
    });
    const lines = dataLines(await response.text());
    expect(lines.at(-1)).toBe("[DONE]");
    const chunks = lines
      .slice(0, -1)
      .map((line) => JSON.parse(line) as { usage?: unknown; choices: unknown[] });
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
    const upstream = await lastCall("openai");
    expect(upstream?.body.stream_options).toEqual({ include_usage: true });
  });

  test("fast path: a client that asks for usage gets the upstream's usage chunk untouched", async () => {
    const response = await post("/openai/v1/chat/completions", {
      model: "@openai",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hello" }],
    });
    const chunks = dataLines(await response.text())
      .slice(0, -1)
      .map(
        (line) => JSON.parse(line) as { usage?: { completion_tokens: number }; choices: unknown[] },
      );
    const usage = chunks.find((chunk) => chunk.usage);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  test("fast path: a stream cut mid-way ends with an OpenAI error event", async () => {
    await cut(HARNESS_VENDORS.openai?.model, 3);
    const response = await post("/openai/v1/chat/completions", {
      model: "@openai",
      stream: true,
      messages: [{ role: "user", content: "tell me a long story" }],
    });
    expect(response.status).toBe(200);
    const lines = dataLines(await response.text());
    const last = JSON.parse(lines.at(-1) ?? "{}") as { error?: { type: string; message: string } };
    expect(last.error?.type).toBe("upstream_error");
    expect(lines.length).toBeGreaterThan(1);
  });

  test("translated: an Anthropic upstream cut mid-way ends the OpenAI stream with an error event", async () => {
    await cut(HARNESS_VENDORS.anthropic?.model, 4);
    const response = await post("/openai/v1/chat/completions", {
      model: "@anthropic",
      stream: true,
      messages: [{ role: "user", content: "tell me a long story" }],
    });
    const lines = dataLines(await response.text());
    const last = JSON.parse(lines.at(-1) ?? "{}") as { error?: { message: string } };
    expect(last.error?.message).toBeTruthy();
    expect(lines).not.toContain("[DONE]");
  });

  test("Anthropic surface: a cut stream ends with `event: error` in Anthropic's shape", async () => {
    await cut(HARNESS_VENDORS.anthropic?.model, 4);
    const response = await post("/anthropic/v1/messages", {
      model: "@anthropic",
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: "tell me a long story" }],
    });
    const text = await response.text();
    const events = text.trim().split("\n\n");
    const last = events.at(-1) ?? "";
    expect(last).toStartWith("event: error");
    const payload = JSON.parse(last.split("\n")[1]?.slice(6) ?? "{}") as {
      type: string;
      error: { type: string };
    };
    expect(payload.type).toBe("error");
    expect(text).not.toContain("event: message_stop");
  });

  test("a stream that fails before its first byte is a clean HTTP error, not a broken stream", async () => {
    await cut(HARNESS_VENDORS.openai?.model, 0);
    const response = await post("/openai/v1/chat/completions", {
      model: "@openai",
      stream: true,
      messages: [{ role: "user", content: "hello" }],
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { type: string } };
    expect(body.error.type).toBe("upstream_error");
  });

  test("anthropic-version and anthropic-beta reach Anthropic verbatim", async () => {
    const response = await post(
      "/anthropic/v1/messages",
      { model: "@anthropic", max_tokens: 64, messages: [{ role: "user", content: "hi" }] },
      {
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "interleaved-thinking-2025-05-14,context-1m-2025-08-07",
      },
    );
    expect(response.status).toBe(200);
    const upstream = await lastCall("anthropic");
    expect(upstream?.headers["anthropic-beta"]).toBe(
      "interleaved-thinking-2025-05-14,context-1m-2025-08-07",
    );
    expect(upstream?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream?.headers["x-api-key"]).toBe(HARNESS_VENDORS.anthropic?.credential);
    expect(upstream?.headers.authorization).toBeUndefined();
  });

  test("every answer carries the modelux headers, streams included", async () => {
    for (const [path, body] of [
      [
        "/openai/v1/chat/completions",
        { model: "@google", stream: true, messages: [{ role: "user", content: "hi" }] },
      ],
      [
        "/anthropic/v1/messages",
        {
          model: "@cohere",
          stream: true,
          max_tokens: 64,
          messages: [{ role: "user", content: "hi" }],
        },
      ],
    ] as const) {
      const response = await post(path, body);
      await response.text();
      expect(response.headers.get("x-modelux-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get("x-modelux-provider-used")).toBeTruthy();
      expect(response.headers.get("x-modelux-model-used")).toBeTruthy();
      expect(response.headers.get("x-modelux-config")).toMatch(/@1$/);
      expect(Number(response.headers.get("x-modelux-overhead-ms"))).toBeGreaterThanOrEqual(0);
      expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    }
  });
});
