// The gateway's Bedrock adapter round-trips through the simulator: buildRequest (signed with
// SigV4) → fetch → parseResponse / parseStream, with prompt caching, thinking, JSON output,
// tool calls and injected faults.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { bedrockAdapter } from "../../dataplane/providers/bedrock/index.ts";
import type { RuntimeProvider } from "../../dataplane/snapshot/runtime-config.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { canonicalRequest } from "../support/canonical-request.ts";

const MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0";

let simulator: RunningSimulator;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
});
afterAll(() => simulator.stop());
beforeEach(async () => {
  await fetch(`${simulator.url}/_sim/faults`, { method: "DELETE" });
});

const fault = (body: unknown) =>
  fetch(`${simulator.url}/_sim/faults`, { method: "POST", body: JSON.stringify(body) });

function provider(): RuntimeProvider {
  return {
    id: "prv_bedrock",
    orgId: "org_1",
    name: "bedrock",
    vendor: "bedrock",
    baseUrl: simulator.url,
    credential: "AKIDSIMULATOR::simulator-secret::eu-west-1::session-token",
    options: {},
  };
}

function canonical(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return canonicalRequest({
    model: MODEL,
    system: [{ text: "You are a routing expert.", cacheControl: { type: "ephemeral" } }],
    messages: [
      { role: "user", content: [{ type: "text", text: "What is the weather in Lisbon?" }] },
    ],
    tools: [
      {
        name: "get_weather",
        description: "Current weather",
        inputSchema: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
        },
      },
    ],
    maxTokens: 500,
    ...overrides,
  });
}

async function call(request: CanonicalRequest): Promise<Response> {
  const built = await bedrockAdapter.buildRequest(request, { provider: provider(), model: MODEL });
  const { url, method, headers, body } = built.value;
  return fetch(url, { method, headers, body });
}

async function collect(response: Response): Promise<CanonicalStreamEvent[]> {
  const events: CanonicalStreamEvent[] = [];
  for await (const event of bedrockAdapter.parseStream(response.body as ReadableStream<Uint8Array>))
    events.push(event);
  return events;
}

describe("the gateway's adapter round-trips through the simulator", () => {
  test("Converse: a tool call, then the cached system prompt is read back", async () => {
    await fetch(`${simulator.url}/_sim/cache`, { method: "DELETE" });
    const first = await call(canonical());
    expect(first.status).toBe(200);
    const { value } = bedrockAdapter.parseResponse(await first.json());
    expect(value.stopReason).toBe("tool_use");
    const toolUse = value.content[0];
    expect(toolUse).toMatchObject({ type: "tool-use", name: "get_weather" });
    expect(value.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(value.usage.cacheReadTokens).toBe(0);

    const logged = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as {
      last: { bedrock: { headers: Record<string, string>; path: string } };
    };
    expect(logged.last.bedrock.headers.authorization).toStartWith(
      "AWS4-HMAC-SHA256 Credential=AKIDSIMULATOR/",
    );
    expect(logged.last.bedrock.headers["x-amz-security-token"]).toBe("session-token");
    expect(logged.last.bedrock.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);

    const second = bedrockAdapter.parseResponse(await (await call(canonical())).json()).value;
    expect(second.usage.cacheReadTokens).toBe(value.usage.cacheWriteTokens);
    expect(second.usage.inputTokens).toBe(value.usage.inputTokens);
  });

  test("a full conversation with a tool result, thinking and JSON output", async () => {
    const request = canonical({
      messages: [
        { role: "user", content: [{ type: "text", text: "What is the weather in Lisbon?" }] },
        {
          role: "assistant",
          content: [
            { type: "tool-use", id: "tooluse_1", name: "get_weather", input: { city: "Lisbon" } },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool-result",
              toolUseId: "tooluse_1",
              content: [{ type: "text", text: "Sunny, 24C" }],
            },
          ],
        },
        { role: "user", content: [{ type: "text", text: "Summarize it." }] },
      ],
      maxTokens: 3000,
      thinking: { enabled: true, budgetTokens: 1024 },
    });
    const response = await call(request);
    expect(response.status).toBe(200);
    const { value } = bedrockAdapter.parseResponse(await response.json());
    expect(value.content[0]).toMatchObject({ type: "thinking" });
    expect((value.content[0] as { signature?: string }).signature?.length).toBeGreaterThan(0);
    expect(value.content[1]).toMatchObject({ type: "text" });
    expect(value.stopReason).toBe("end_turn");
  });

  test("ConverseStream: the same answer as Converse, as canonical events", async () => {
    await fetch(`${simulator.url}/_sim/cache`, { method: "DELETE" });
    const plain = bedrockAdapter.parseResponse(await (await call(canonical({ tools: [] }))).json());
    const events = await collect(await call(canonical({ tools: [], stream: true })));
    expect(events[0]?.type).toBe("message-start");
    const text = events.flatMap((event) => (event.type === "text-delta" ? [event.text] : []));
    expect(text.join("")).toBe((plain.value.content[0] as { text: string }).text);
    // The second call reads back the system prompt the first one wrote to the cache.
    const usage = events.find((event) => event.type === "usage");
    expect(usage).toEqual({
      type: "usage",
      usage: {
        ...plain.value.usage,
        cacheReadTokens: plain.value.usage.cacheWriteTokens,
        cacheWriteTokens: 0,
      },
    });
    expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "end_turn" });
  });

  test("a streamed tool call and a streamed JSON answer", async () => {
    const tool = await collect(await call(canonical({ stream: true })));
    const start = tool.find((event) => event.type === "tool-call-start");
    expect(start).toMatchObject({ name: "get_weather" });
    const args = tool.flatMap((event) =>
      event.type === "tool-call-delta" ? [event.argumentsDelta] : [],
    );
    expect(Object.keys(JSON.parse(args.join("")))).toEqual(["city"]);
    expect(tool.some((event) => event.type === "tool-call-end")).toBe(true);
    expect(tool.at(-1)).toEqual({ type: "message-end", stopReason: "tool_use" });

    const schema = {
      type: "object",
      properties: { verdict: { type: "string" } },
      required: ["verdict"],
    };
    const json = await collect(
      await call(
        canonical({
          tools: [],
          stream: true,
          responseFormat: { type: "json-schema", name: "v", schema },
        }),
      ),
    );
    const text = json.flatMap((event) => (event.type === "text-delta" ? [event.text] : []));
    expect(Object.keys(JSON.parse(text.join("")))).toEqual(["verdict"]);
    expect(json.at(-1)).toEqual({ type: "message-end", stopReason: "end_turn" });
  });

  test("faults: an HTTP error is classified, a cut stream ends with an error event", async () => {
    await fault({ model: MODEL, status: 503 });
    const failed = await call(canonical());
    expect(
      bedrockAdapter.parseError(failed.status, await failed.text(), failed.headers),
    ).toMatchObject({
      kind: "overloaded",
      status: 503,
    });
    await fault({ model: MODEL, cut_after_chunks: 3 });
    const events = await collect(await call(canonical({ tools: [], stream: true })));
    expect(events.at(-1)).toMatchObject({ type: "error", code: "upstream_error" });
  });
});
