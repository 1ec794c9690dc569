// The adapter against the provider simulator, which checks requests as Anthropic does: what
// buildRequest sends is accepted, and what comes back parses, streamed or not.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { AdapterTarget } from "../../dataplane/providers/adapter.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { collect, fold } from "./providers-anthropic-helpers.ts";

let simulator: RunningSimulator;
let target: AdapterTarget;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  target = {
    model: "claude-sonnet-4-5",
    provider: {
      id: "p1",
      orgId: "o1",
      name: "anthropic",
      vendor: "anthropic",
      baseUrl: `${simulator.url}/v1`,
      credential: "sk-ant-test",
      options: {},
    },
  };
});
afterAll(() => simulator.stop());

const base: CanonicalRequest = {
  model: "@default",
  system: [{ text: "You are helpful.", cacheControl: { type: "ephemeral" } }],
  messages: [{ role: "user", content: [{ type: "text", text: "What is the weather in Paris?" }] }],
  tools: [
    {
      name: "get_weather",
      description: "Weather for a city",
      inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  ],
  stream: false,
  openAiOnly: {},
  forwardHeaders: {},
};

async function send(request: CanonicalRequest): Promise<Response> {
  const { value: call } = await anthropicAdapter.buildRequest(request, target);
  return fetch(call.url, { method: call.method, headers: call.headers, body: call.body });
}

describe("against the simulator", () => {
  test("a tool call, not streamed", async () => {
    const response = await send(base);
    expect(response.status).toBe(200);
    const { value } = anthropicAdapter.parseResponse(await response.json());
    expect(value.stopReason).toBe("tool_use");
    const call = value.content.find((block) => block.type === "tool-use");
    expect(call).toMatchObject({ name: "get_weather", input: { city: expect.any(String) } });
    expect(value.usage.inputTokens).toBeGreaterThan(0);
  });

  test("thinking and a cached system prompt, streamed: the same answer as not streamed", async () => {
    const request: CanonicalRequest = {
      ...base,
      tools: [],
      messages: [{ role: "user", content: [{ type: "text", text: "Tell me a story." }] }],
      thinking: { enabled: true, effort: "low" },
    };
    const whole = anthropicAdapter.parseResponse(await (await send(request)).json()).value;
    const response = await send({ ...request, stream: true });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const folded = fold(
      await collect(anthropicAdapter.parseStream(response.body as ReadableStream<Uint8Array>)),
    );
    expect(folded.errors).toEqual([]);
    expect(folded.content).toEqual(whole.content);
    expect(folded.content[0]?.type).toBe("thinking");
    expect(folded.stopReason).toBe(whole.stopReason);
    expect(folded.usage.inputTokens).toBe(whole.usage.inputTokens);
    expect(folded.usage.outputTokens).toBe(whole.usage.outputTokens);
    // The system block's cache_control: the first call wrote the prefix, the second reads it.
    expect(whole.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(folded.usage.cacheReadTokens).toBe(whole.usage.cacheWriteTokens);
  });

  test("an error answer classifies", async () => {
    const { value: call } = await anthropicAdapter.buildRequest(base, target);
    const response = await fetch(call.url, {
      method: "POST",
      headers: { ...call.headers, "anthropic-version": "" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", messages: [] }),
    });
    expect(response.ok).toBe(false);
    const error = anthropicAdapter.parseError(
      response.status,
      await response.text(),
      response.headers,
    );
    expect(error.kind).toBe("invalid_request");
  });
});
