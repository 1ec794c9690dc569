// The simulator's Cohere Chat v2 format: the official `cohere-ai` SDK, pointed at it with only the
// environment URL and token changed, parses everything it sends back; and the Cohere adapter's
// calls round-trip through it (build → fetch → parse).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CohereClientV2, CohereError } from "cohere-ai";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { AdapterTarget, UpstreamCall } from "../../dataplane/providers/adapter.ts";
import { cohereAdapter } from "../../dataplane/providers/cohere/index.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { canonicalRequest, collect, summarize } from "./providers-cohere-helpers.ts";

let simulator: RunningSimulator;
let client: CohereClientV2;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  client = new CohereClientV2({ token: "co-simulator", environment: simulator.url, maxRetries: 0 });
});
afterAll(() => simulator.stop());

const model = "command-a-03-2025";
const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("the cohere-ai SDK against the simulator", () => {
  test("chat: text, COMPLETE, billed units below tokens", async () => {
    const response = await client.chat({
      model,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say something about routing." },
      ],
    });
    const [part] = response.message.content ?? [];
    expect(part?.type).toBe("text");
    expect(part?.type === "text" && part.text.length).toBeGreaterThan(0);
    expect(response.finishReason).toBe("COMPLETE");
    const billed = response.usage?.billedUnits;
    expect(billed?.inputTokens).toBeGreaterThan(0);
    expect(billed?.outputTokens).toBeGreaterThan(0);
    expect(response.usage?.tokens?.inputTokens).toBeGreaterThan(billed?.inputTokens ?? 0);
  });

  test("the same request gets the same answer, streamed or not", async () => {
    const messages = [{ role: "user" as const, content: "Tell me about budgets." }];
    const plain = await client.chat({ model, messages });
    const stream = await client.chatStream({ model, messages });
    let text = "";
    const types: string[] = [];
    let finish: string | undefined;
    let outputTokens: number | undefined;
    for await (const event of stream) {
      types.push(event.type ?? "");
      if (event.type === "content-delta") text += event.delta?.message?.content?.text ?? "";
      if (event.type === "message-end") {
        finish = event.delta?.finishReason;
        outputTokens = event.delta?.usage?.billedUnits?.outputTokens;
      }
    }
    const [part] = plain.message.content ?? [];
    expect(text).toBe(part?.type === "text" ? part.text : "unexpected");
    expect(types[0]).toBe("message-start");
    expect(types.slice(1, 2)).toEqual(["content-start"]);
    expect(types.slice(-2)).toEqual(["content-end", "message-end"]);
    expect(finish).toBe("COMPLETE");
    expect(outputTokens).toBe(plain.usage?.billedUnits?.outputTokens);
  });

  test("a tool call when tools are offered and the user asks about the weather", async () => {
    const messages = [{ role: "user" as const, content: "What is the weather in Rome?" }];
    const response = await client.chat({ model, messages, tools: [weatherTool] });
    expect(response.finishReason).toBe("TOOL_CALL");
    expect(response.message.toolPlan).toContain("get_weather");
    const [call] = response.message.toolCalls ?? [];
    expect(call?.id).toMatch(/^get_weather_[a-z0-9]{12}$/);
    expect(call?.function?.name).toBe("get_weather");
    expect(JSON.parse(call?.function?.arguments ?? "")).toEqual({ city: expect.any(String) });

    const stream = await client.chatStream({ model, messages, tools: [weatherTool] });
    let name = "";
    let args = "";
    let finish: string | undefined;
    for await (const event of stream) {
      if (event.type === "tool-call-start")
        name = event.delta?.message?.toolCalls?.function?.name ?? "";
      if (event.type === "tool-call-delta")
        args += event.delta?.message?.toolCalls?.function?.arguments ?? "";
      if (event.type === "message-end") finish = event.delta?.finishReason;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual({ city: expect.any(String) });
    expect(finish).toBe("TOOL_CALL");
  });

  test("thinking streams a thinking part before the text", async () => {
    const stream = await client.chatStream({
      model: "command-a-reasoning-08-2025",
      thinking: { type: "enabled", tokenBudget: 30 },
      messages: [{ role: "user", content: "What is 2 + 2?" }],
    });
    const kinds: string[] = [];
    for await (const event of stream) {
      if (event.type === "content-start") kinds.push(event.delta?.message?.content?.type ?? "");
    }
    expect(kinds).toEqual(["thinking", "text"]);
  });

  test("errors come in Cohere's shape: 401 without a token, 400 for a bad body, injected 429", async () => {
    const anonymous = new CohereClientV2({ token: "", environment: simulator.url, maxRetries: 0 });
    const unauthorized = await anonymous
      .chat({ model, messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(CohereError);
    expect((unauthorized as CohereError).statusCode).toBe(401);
    expect((unauthorized as CohereError).body).toEqual({
      id: expect.any(String),
      message: "no api key supplied",
    });

    const bad = await fetch(`${simulator.url}/v2/chat`, {
      method: "POST",
      headers: { authorization: "Bearer co-simulator", "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      id: expect.any(String),
      message: "invalid request: messages must not be empty",
    });

    await fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model: "command-limited", format: "cohere", status: 429 }),
    });
    const limited = await client
      .chat({ model: "command-limited", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect((limited as CohereError).statusCode).toBe(429);
  });
});

describe("cohereAdapter round trip through the simulator", () => {
  let target: AdapterTarget;
  beforeAll(() => {
    target = {
      provider: {
        id: "p",
        orgId: "o",
        name: "sim",
        vendor: "cohere",
        baseUrl: `${simulator.url}/v2`,
        credential: "co-sim",
        options: {},
      },
      model,
    };
  });
  const send = (call: UpstreamCall) =>
    fetch(call.url, { method: call.method, headers: call.headers, body: call.body });
  const request = (overrides: Partial<CanonicalRequest>) =>
    canonicalRequest({ system: [{ text: "You are terse." }], maxTokens: 200, ...overrides });

  test("a plain answer", async () => {
    const { value: call } = await cohereAdapter.buildRequest(request({}), target);
    const response = await send(call);
    expect(response.status).toBe(200);
    const { value } = cohereAdapter.parseResponse(await response.json());
    expect(value.content[0]?.type).toBe("text");
    expect(value.stopReason).toBe("end_turn");
    expect(value.usage.inputTokens).toBeGreaterThan(0);
    expect(value.usage.outputTokens).toBeGreaterThan(0);
  });

  test("a streamed tool call; the simulator saw the body the adapter built", async () => {
    const tools = [
      {
        name: "get_weather",
        inputSchema: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
        },
      },
    ];
    const { value: call } = await cohereAdapter.buildRequest(
      request({
        stream: true,
        tools,
        messages: [{ role: "user", content: [{ type: "text", text: "Weather in Lima?" }] }],
      }),
      target,
    );
    const response = await send(call);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const summary = summarize(
      await collect(cohereAdapter.parseStream(response.body as ReadableStream<Uint8Array>)),
    );
    expect(summary.errors).toEqual([]);
    expect(summary.tools).toHaveLength(1);
    expect(summary.tools[0]?.name).toBe("get_weather");
    expect(JSON.parse(summary.tools[0]?.arguments ?? "")).toEqual({ city: expect.any(String) });
    expect(summary.stopReason).toBe("tool_use");
    expect(summary.usage?.outputTokens).toBeGreaterThan(0);
    const calls = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as {
      last: { cohere: { path: string; raw_body: string; headers: Record<string, string> } };
    };
    expect(calls.last.cohere.path).toBe("/v2/chat");
    expect(calls.last.cohere.raw_body).toBe(call.body);
    expect(calls.last.cohere.headers.authorization).toBe("Bearer co-sim");
  });

  test("a max-tokens cut and a simulated 503 mapped to overloaded", async () => {
    const { value: call } = await cohereAdapter.buildRequest(request({ maxTokens: 3 }), target);
    const { value } = cohereAdapter.parseResponse(await (await send(call)).json());
    expect(value.stopReason).toBe("max_tokens");
    expect(value.usage.outputTokens).toBe(3);

    await fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model, format: "cohere", status: 503 }),
    });
    const failed = await send(call);
    const error = cohereAdapter.parseError(failed.status, await failed.text(), failed.headers);
    expect(error).toEqual({
      kind: "overloaded",
      status: 503,
      message: `simulated 503 for model ${model}`,
    });
  });
});
