// The Gemini adapter against the simulator: buildRequest → fetch → parseResponse / parseStream
// gives sensible canonical output, and a canonical history built from those answers (tool use
// with its signature, the tool's result) is accepted by the next call.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AssistantContent, CanonicalMessage } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";
import { countTokens } from "../../simulator/common/tokens.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { canonicalRequest } from "../support/canonical-request.ts";
import { ofType } from "./providers-google-replay.ts";

let simulator: RunningSimulator;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
});
afterAll(() => simulator.stop());

const weatherTool = {
  name: "get_weather",
  description: "Current weather",
  // additionalProperties would be refused by the simulator as by Gemini: the adapter cleans it.
  inputSchema: {
    type: "object",
    additionalProperties: false,
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};

function request(overrides: Partial<CanonicalRequest>): CanonicalRequest {
  return canonicalRequest({
    model: "gemini-2.5-flash",
    system: [{ text: "You are terse." }],
    messages: [{ role: "user", content: [{ type: "text", text: "Tell me about budgets." }] }],
    ...overrides,
  });
}

async function send(canonical: CanonicalRequest) {
  const provider = {
    id: "prov_sim",
    orgId: "org_1",
    name: "google",
    vendor: "google",
    baseUrl: `${simulator.url}/v1beta`,
    credential: "sim-key",
    options: {},
  };
  const built = await googleAdapter.buildRequest(canonical, { provider, model: canonical.model });
  const { url, method, headers, body } = built.value;
  return fetch(url, { method, headers, body });
}

async function complete(canonical: CanonicalRequest) {
  const response = await send(canonical);
  expect(response.status).toBe(200);
  return googleAdapter.parseResponse(await response.json()).value;
}

async function stream(canonical: CanonicalRequest) {
  const response = await send({ ...canonical, stream: true });
  expect(response.status).toBe(200);
  const events: CanonicalStreamEvent[] = [];
  for await (const event of googleAdapter.parseStream(response.body as ReadableStream<Uint8Array>))
    events.push(event);
  return events;
}

describe("googleAdapter against the simulator", () => {
  test("a plain answer and the same answer streamed", async () => {
    const answer = await complete(request({}));
    const [block] = answer.content;
    expect(block?.type).toBe("text");
    const text = block?.type === "text" ? block.text : "";
    expect(answer.stopReason).toBe("end_turn");
    expect(answer.model).toBe("gemini-2.5-flash");
    expect(answer.usage.outputTokens).toBe(countTokens(text));
    expect(answer.usage.inputTokens).toBe(
      countTokens("You are terse.") + countTokens("Tell me about budgets."),
    );

    const events = await stream(request({}));
    expect(events[0]?.type).toBe("message-start");
    expect(
      ofType(events, "text-delta")
        .map((delta) => delta.text)
        .join(""),
    ).toBe(text);
    expect(ofType(events, "usage").at(-1)?.usage).toEqual(answer.usage);
    expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "end_turn" });
  });

  test("max tokens cuts the answer", async () => {
    const answer = await complete(request({ maxTokens: 3 }));
    expect(answer.stopReason).toBe("max_tokens");
    expect(answer.usage.outputTokens).toBe(3);
  });

  test("a tool call with thinking, sent back with its signature through the canonical model", async () => {
    const model = "gemini-3-pro-preview";
    const question: CanonicalMessage = {
      role: "user",
      content: [{ type: "text", text: "What's the weather in Oslo?" }],
    };
    const base = request({
      model,
      messages: [question],
      tools: [weatherTool],
      thinking: { enabled: true, budgetTokens: 32 },
    });
    const answer = await complete(base);
    expect(answer.stopReason).toBe("tool_use");
    const [thinking, call] = answer.content;
    expect(thinking).toMatchObject({ type: "thinking" });
    expect(thinking?.type === "thinking" && thinking.signature?.length).toBeGreaterThan(0);
    expect(answer.usage.reasoningTokens).toBe(
      thinking?.type === "thinking" ? countTokens(thinking.text) : -1,
    );
    if (call?.type !== "tool-use") throw new Error("expected a tool use");
    expect(call.name).toBe("get_weather");
    expect(Object.keys(call.input as object)).toEqual(["city"]);
    expect(call.signature?.length).toBeGreaterThan(0);

    const events = await stream(base);
    const start = ofType(events, "tool-call-start")[0];
    expect(start).toMatchObject({ name: "get_weather", signature: call.signature as string });
    expect(ofType(events, "signature-delta")[0]?.signature).toBe(
      thinking?.type === "thinking" ? (thinking.signature as string) : "",
    );
    expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "tool_use" });

    const history: CanonicalMessage[] = [
      question,
      { role: "assistant", content: answer.content as AssistantContent[] },
      {
        role: "user",
        content: [
          { type: "tool-result", toolUseId: call.id, content: [{ type: "text", text: "-3°C" }] },
        ],
      },
    ];
    const followUp = await complete({ ...base, messages: history });
    expect(followUp.stopReason).toBe("end_turn");
    expect(followUp.content.some((block) => block.type === "text" && block.text.length > 0)).toBe(
      true,
    );

    // A history whose calls lost their signatures (another vendor's turn) would be refused by
    // Gemini 3; the adapter sends Google's placeholder and the call goes through.
    const unsigned = history.map((message) =>
      message.role === "assistant"
        ? {
            ...message,
            content: message.content.map((block) => ({ ...block, signature: undefined })),
          }
        : message,
    ) as CanonicalMessage[];
    const accepted = await complete({ ...base, messages: unsigned });
    expect(accepted.stopReason).toBe("end_turn");
  });

  test("JSON output through a cleaned responseSchema", async () => {
    const answer = await complete(
      request({
        responseFormat: {
          type: "json-schema",
          name: "out",
          schema: {
            type: "object",
            additionalProperties: false,
            properties: { title: { type: "string" } },
            required: ["title"],
          },
        },
      }),
    );
    const [block] = answer.content;
    expect(Object.keys(JSON.parse(block?.type === "text" ? block.text : "null"))).toEqual([
      "title",
    ]);
  });

  test("injected faults map to the closed error set; a cut stream ends in an error event", async () => {
    const fault = (body: object) =>
      fetch(`${simulator.url}/_sim/faults`, {
        method: "POST",
        body: JSON.stringify({ format: "google", ...body }),
      });
    await fault({ model: "gemini-fault-429", status: 429 });
    const limited = await send(request({ model: "gemini-fault-429" }));
    expect(
      googleAdapter.parseError(limited.status, await limited.text(), limited.headers),
    ).toMatchObject({
      kind: "rate_limited",
      retryAfterSeconds: 1,
    });
    await fault({ model: "gemini-fault-503", status: 503 });
    const overloaded = await send(request({ model: "gemini-fault-503" }));
    expect(
      googleAdapter.parseError(overloaded.status, await overloaded.text(), overloaded.headers).kind,
    ).toBe("overloaded");

    // Issue 14.11: a cut stream ends with the gateway's own words, never the runtime's.
    await fault({ model: "gemini-fault-cut", cut_after_chunks: 2 });
    const cut = await stream(request({ model: "gemini-fault-cut" }));
    expect(cut.at(-1)).toMatchObject({
      type: "error",
      code: "upstream_error",
      message: expect.stringContaining("the upstream stream was interrupted"),
    });
    expect(cut.some((event) => event.type === "message-end")).toBe(false);
  });
});
