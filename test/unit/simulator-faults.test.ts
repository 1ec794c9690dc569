import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { CallLogSnapshot } from "../../simulator/common/call-log.ts";
import { countTokens } from "../../simulator/common/tokens.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import {
  parseServerSentEvents,
  readStreamUntilClosed,
} from "../../simulator/testing/server-sent-events.ts";
import { waitUntil } from "../support/wait.ts";

let simulator: RunningSimulator;
beforeAll(() => {
  simulator = startSimulator({
    port: 0,
    profiles: [{ name: "slow", models: ["slow-*"], ttft_ms: 120, tokens_per_second: 400 }],
  });
});
afterAll(() => simulator.stop());
beforeEach(async () => {
  await fetch(`${simulator.url}/_sim/faults`, { method: "DELETE" });
  await fetch(`${simulator.url}/_sim/profiles`, {
    method: "PUT",
    body: JSON.stringify([
      { name: "slow", models: ["slow-*"], ttft_ms: 120, tokens_per_second: 400 },
    ]),
  });
});

const OPENAI = { authorization: "Bearer sk-test", "content-type": "application/json" };
const ANTHROPIC = {
  "x-api-key": "key",
  "anthropic-version": "2023-06-01",
  "content-type": "application/json",
};

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  fetch(`${simulator.url}/v1/chat/completions`, {
    method: "POST",
    headers: OPENAI,
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], ...extra }),
  });

const messages = (model: string, extra: Record<string, unknown> = {}) =>
  fetch(`${simulator.url}/v1/messages`, {
    method: "POST",
    headers: ANTHROPIC,
    body: JSON.stringify({
      model,
      max_tokens: 200,
      messages: [{ role: "user", content: "hello" }],
      ...extra,
    }),
  });

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${simulator.url}/_sim/${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json<T>(response: Response | Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}

interface ErrorBody {
  error: { message: string; type: string; code?: string | null; param?: string | null };
}

describe("simulator faults", () => {
  test("a status fault answers the next N calls of that model in the vendor's shape, then recovers", async () => {
    expect(
      (await control("POST", "faults", { model: "gpt-4o", status: 429, count: 2 })).status,
    ).toBe(201);
    for (let call = 0; call < 2; call++) {
      const response = await chat("gpt-4o");
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("1");
      const body = await json<ErrorBody>(response);
      expect(body.error.code).toBe("rate_limit_exceeded");
      expect(body.error).toHaveProperty("param");
    }
    expect((await chat("gpt-4o-mini")).status).toBe(200);
    expect((await chat("gpt-4o")).status).toBe(200);
  });

  test("Anthropic faults use Anthropic's error shape; a given body is sent as it is", async () => {
    await control("POST", "faults", { model: "claude-*", status: 529, count: 1 });
    const overloaded = await messages("claude-haiku-4-5");
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toMatchObject({
      type: "error",
      error: { type: "overloaded_error" },
    });
    const body = { type: "error", error: { type: "api_error", message: "custom" } };
    await control("POST", "faults", { model: "claude-haiku-4-5", status: 500, body });
    const custom = await messages("claude-haiku-4-5");
    expect(custom.status).toBe(500);
    expect(await custom.json()).toEqual(body);
    expect((await messages("claude-haiku-4-5")).status).toBe(200);
  });

  test("a fault limited to one format leaves the other alone; count null lasts until cleared", async () => {
    await control("POST", "faults", { model: "*", format: "anthropic", status: 503, count: null });
    expect((await chat("shared-name")).status).toBe(200);
    expect((await messages("shared-name")).status).toBe(503);
    expect((await messages("shared-name")).status).toBe(503);
    const listed = await json<{ faults: unknown[] }>(control("GET", "faults"));
    expect(listed.faults).toHaveLength(1);
    await control("DELETE", "faults");
    expect((await messages("shared-name")).status).toBe(200);
  });

  test("a stall delays the answer, once", async () => {
    // Stalled beyond the test's own timeout: the second call answering while the first is still
    // held shows both halves without measuring either (the test timeout is the hang bound).
    await control("DELETE", "calls");
    await control("POST", "faults", { model: "gpt-4o", stall_ms: 600_000, count: 1 });
    const abort = new AbortController();
    let firstSettled = false;
    const first = fetch(`${simulator.url}/v1/chat/completions`, {
      method: "POST",
      headers: OPENAI,
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hello" }] }),
      signal: abort.signal,
    }).finally(() => {
      firstSettled = true;
    });
    await waitUntil(async () => {
      const calls = await json<CallLogSnapshot>(control("GET", "calls"));
      return calls.counts.openai?.["gpt-4o"] === 1;
    });
    expect((await chat("gpt-4o")).status).toBe(200);
    expect(firstSettled).toBe(false);
    abort.abort();
    await first.catch(() => {});
  });

  test("a cut stream ends abruptly after N chunks with no final events", async () => {
    await control("POST", "faults", { model: "gpt-4o", cut_after_chunks: 3, count: 1 });
    const cut = await readStreamUntilClosed(await chat("gpt-4o", { stream: true }));
    expect(cut.failed).toBe(true);
    const events = parseServerSentEvents(cut.text);
    expect(events).toHaveLength(3);
    expect(events.some((event) => event.data === "[DONE]")).toBe(false);
    const whole = await readStreamUntilClosed(await chat("gpt-4o", { stream: true }));
    expect(whole.failed).toBe(false);
    expect(parseServerSentEvents(whole.text).at(-1)?.data).toBe("[DONE]");

    await control("POST", "faults", { model: "claude-*", cut_after_chunks: 4 });
    const anthropicCut = await readStreamUntilClosed(await messages("claude-x", { stream: true }));
    expect(anthropicCut.failed).toBe(true);
    const anthropicEvents = parseServerSentEvents(anthropicCut.text);
    expect(anthropicEvents).toHaveLength(4);
    expect(anthropicEvents.map((event) => event.event)).not.toContain("message_stop");
  });

  test("a cut waits for a stream: plain calls pass it by; a cut after 0 chunks drops the connection", async () => {
    await control("POST", "faults", { model: "gpt-4o", cut_after_chunks: 0 });
    expect((await chat("gpt-4o")).status).toBe(200);
    await expect(chat("gpt-4o", { stream: true })).rejects.toThrow();
  });

  test("bad fault requests are refused with a reason", async () => {
    const response = await control("POST", "faults", { model: "gpt-4o" });
    expect(response.status).toBe(400);
    expect((await json<ErrorBody>(response)).error.message).toContain(
      "status, stall_ms or cut_after_chunks",
    );
    expect((await control("POST", "faults", { model: "gpt-4o", status: 200 })).status).toBe(400);
  });
});

describe("simulator call log", () => {
  test("counts calls per format and model and keeps the last request of each format as sent", async () => {
    await control("DELETE", "calls");
    await chat("gpt-4o");
    await chat("gpt-4o");
    await chat("gpt-4o-mini", { temperature: 0.2 });
    await messages("claude-haiku-4-5");
    const calls = await json<CallLogSnapshot>(control("GET", "calls"));
    expect(calls.counts).toEqual({
      openai: { "gpt-4o": 2, "gpt-4o-mini": 1 },
      anthropic: { "claude-haiku-4-5": 1 },
    });
    const lastOpenAi = calls.last.openai;
    if (!lastOpenAi) throw new Error("no OpenAI request was recorded");
    expect(lastOpenAi.path).toBe("/v1/chat/completions");
    expect(lastOpenAi.headers.authorization).toBe("Bearer sk-test");
    expect(lastOpenAi.body).toMatchObject({ temperature: 0.2 });
    expect(JSON.parse(lastOpenAi.raw_body)).toEqual(lastOpenAi.body);
    expect(calls.last.anthropic?.headers["anthropic-version"]).toBe("2023-06-01");
    await control("DELETE", "calls");
    expect(await json(control("GET", "calls"))).toEqual({ counts: {}, last: {} });
  });
});

describe("simulator latency profiles", () => {
  test("by default nothing sleeps: no latency profile, every call answered", async () => {
    const plain = startSimulator({ port: 0 });
    try {
      const listed = await fetch(`${plain.url}/_sim/profiles`);
      expect(((await listed.json()) as { profiles: unknown[] }).profiles).toEqual([]);
      for (let call = 0; call < 20; call++) {
        const response = await fetch(`${plain.url}/v1/chat/completions`, {
          method: "POST",
          headers: OPENAI,
          body: JSON.stringify({
            model: "gpt-4o",
            stream: call % 2 === 0,
            messages: [{ role: "user", content: "hello" }],
          }),
        });
        expect(response.status).toBe(200);
        await response.text();
      }
    } finally {
      await plain.stop();
    }
  });

  test("a matching profile waits its time to first token and paces the stream", async () => {
    const started = performance.now();
    const response = await chat("slow-model", {
      stream: true,
      stream_options: { include_usage: true },
    });
    const headersAt = performance.now() - started;
    const { text } = await readStreamUntilClosed(response);
    const finishedAt = performance.now() - started;
    const usageChunk = parseServerSentEvents(text).at(-2)?.data ?? "{}";
    const { usage } = JSON.parse(usageChunk) as { usage: { completion_tokens: number } };
    // Lower bounds only: a busy machine can make a wait longer, never shorter.
    expect(headersAt).toBeGreaterThanOrEqual(115);
    // Tokens after the first are paced at 400 per second, after the time to first token.
    const pacedMs = ((usage.completion_tokens - 1) / 400) * 1000;
    expect(finishedAt).toBeGreaterThanOrEqual(115 + pacedMs * 0.9);
  });

  test("a non-streamed answer waits time to first token plus generation time", async () => {
    const started = performance.now();
    const completion = await json<{ choices: Array<{ message: { content: string } }> }>(
      chat("slow-model"),
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(
      120 + (countTokens(completion.choices[0]?.message.content ?? "") / 400) * 1000 - 5,
    );
  });

  test("profiles can be replaced at run time, error_rate included", async () => {
    const put = await control("PUT", "profiles", [
      { name: "flaky", models: ["flaky"], error_rate: 1, error_status: 503 },
    ]);
    expect(put.status).toBe(200);
    expect(
      (await json<{ profiles: Array<{ tokens_per_second: number | null }> }>(put)).profiles[0]
        ?.tokens_per_second,
    ).toBeNull();
    const response = await chat("flaky");
    expect(response.status).toBe(503);
    expect((await json<ErrorBody>(response)).error.type).toBe("server_error");
    expect((await chat("slow-model")).status).toBe(200);
  });
});
