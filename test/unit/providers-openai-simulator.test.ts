// The OpenAI adapter end to end against the provider simulator: the call it builds is accepted,
// and the answer, the stream, a fault and a cut stream come back as canonical.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { AdapterTarget, UpstreamCall } from "../../dataplane/providers/adapter.ts";
import { openAiAdapter } from "../../dataplane/providers/openai/index.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { canonicalRequest } from "../support/canonical-request.ts";
import { collect, summarize } from "./providers-openai-helpers.ts";

let simulator: RunningSimulator;
let target: AdapterTarget;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  target = {
    provider: {
      id: "p",
      orgId: "o",
      name: "sim",
      vendor: "openai",
      baseUrl: `${simulator.url}/v1`,
      credential: "sk-sim",
      options: {},
    },
    model: "gpt-4o-mini",
  };
});
afterAll(() => simulator.stop());

const send = (call: UpstreamCall) =>
  fetch(call.url, { method: call.method, headers: call.headers, body: call.body });

function request(overrides: Partial<CanonicalRequest>): CanonicalRequest {
  return canonicalRequest({
    model: "@x",
    system: [{ text: "You are terse." }],
    messages: [{ role: "user", content: [{ type: "text", text: "Say something about routing." }] }],
    ...overrides,
  });
}

const weatherTool = {
  name: "get_weather",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("openAiAdapter against the simulator", () => {
  test("a plain answer", async () => {
    const { value: call } = await openAiAdapter.buildRequest(request({ maxTokens: 200 }), target);
    const response = await send(call);
    expect(response.status).toBe(200);
    const { value } = openAiAdapter.parseResponse(await response.json());
    expect(value.content[0]?.type).toBe("text");
    expect(value.stopReason).toBe("end_turn");
    expect(value.usage.inputTokens).toBeGreaterThan(0);
    expect(value.usage.outputTokens).toBeGreaterThan(0);
  });

  test("a streamed tool call, with usage from the usage chunk", async () => {
    const { value: call } = await openAiAdapter.buildRequest(
      request({
        stream: true,
        tools: [weatherTool],
        messages: [
          { role: "user", content: [{ type: "text", text: "What is the weather in Rome?" }] },
        ],
      }),
      target,
    );
    const response = await send(call);
    const summary = summarize(
      await collect(openAiAdapter.parseStream(response.body as ReadableStream<Uint8Array>)),
    );
    expect(summary.errors).toEqual([]);
    expect(summary.tools).toHaveLength(1);
    expect(summary.tools[0]?.name).toBe("get_weather");
    expect(JSON.parse(summary.tools[0]?.arguments ?? "")).toHaveProperty("city");
    expect(summary.stopReason).toBe("tool_use");
    expect(summary.usage?.outputTokens).toBeGreaterThan(0);
  });

  test("a 429 fault maps to rate_limited with retry-after", async () => {
    await fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-4o-mini", status: 429 }),
    });
    const { value: call } = await openAiAdapter.buildRequest(request({}), target);
    const response = await send(call);
    const error = openAiAdapter.parseError(
      response.status,
      await response.text(),
      response.headers,
    );
    expect(error).toMatchObject({ kind: "rate_limited", status: 429, retryAfterSeconds: 1 });
  });

  test("a stream cut in the middle ends with an error event", async () => {
    await fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-4o-mini", cut_after_chunks: 3 }),
    });
    const { value: call } = await openAiAdapter.buildRequest(request({ stream: true }), target);
    const response = await send(call);
    const summary = summarize(
      await collect(openAiAdapter.parseStream(response.body as ReadableStream<Uint8Array>)),
    );
    expect(summary.stopReason).toBeUndefined();
    expect(summary.errors).toHaveLength(1);
  });
});
