// The Responses API as two more clients nobody here wrote drive it (issue 16): LangChain JS's
// `ChatOpenAI` with `useResponsesApi: true`, and OpenAI's Agents SDK with its Responses model on
// an `openai` client pointed at the gateway. Each on an OpenAI-family target (passthrough) and on
// Claude (translated): a plain answer, a stream, and a tool call round trip (the model calls the
// tool, the client runs it and sends the result back, the model answers). Every call the clients
// make is recorded, to check they went to /openai/v1/responses.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { tool as langchainTool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { Agent, OpenAIResponsesModel, run, setTracingDisabled, tool } from "@openai/agents";
import OpenAI from "openai";
import { z } from "zod";
import {
  type GatewayHarness,
  HARNESS_KEY,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

// Cold imports of two SDKs on a loaded machine; the calls themselves take milliseconds.
setDefaultTimeout(30_000);

const TARGETS = ["openai", "anthropic"] as const;

let harness: GatewayHarness;
/** Every request a client made: method and path. */
const calls: string[] = [];
const recordingFetch = ((input: string | URL | Request, init?: RequestInit) => {
  const request =
    input instanceof Request ? new Request(input, init) : new Request(String(input), init);
  calls.push(`${request.method} ${new URL(request.url).pathname}`);
  return fetch(request);
}) as typeof fetch;

/** The paths called since `from`, each once. */
const calledSince = (from: number) => [...new Set(calls.slice(from))];

beforeAll(() => {
  // The Agents SDK would export its traces to OpenAI.
  setTracingDisabled(true);
  harness = startGatewayHarness();
});
afterAll(() => harness.stop());

describe.each(TARGETS)("LangChain's ChatOpenAI with useResponsesApi, @%s", (target) => {
  const chat = () =>
    new ChatOpenAI({
      model: `@${target}`,
      apiKey: HARNESS_KEY,
      useResponsesApi: true,
      configuration: { baseURL: `${harness.baseUrl}/openai/v1`, fetch: recordingFetch },
      maxRetries: 0,
    });

  test("invoke and stream: an answer with usage, through /responses", async () => {
    const from = calls.length;
    const answer = await chat().invoke("Say hello in one sentence.");
    expect(typeof answer.text).toBe("string");
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.usage_metadata?.input_tokens).toBeGreaterThan(0);
    expect(answer.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(String(answer.response_metadata.id ?? answer.id)).toMatch(/^resp_/);

    let streamed = "";
    let chunks = 0;
    for await (const chunk of await chat().stream("Say hello in one sentence.")) {
      streamed += chunk.text;
      chunks++;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(streamed.length).toBeGreaterThan(0);
    expect(calledSince(from)).toEqual(["POST /openai/v1/responses"]);
  });

  test("a tool call round trip: the call, the tool's result sent back, the answer", async () => {
    const from = calls.length;
    const weather = langchainTool(async ({ city }) => `18°C and sunny in ${city}`, {
      name: "get_weather",
      description: "Current weather for a city",
      schema: z.object({ city: z.string() }),
    });
    const model = chat().bindTools([weather]);
    const question = { role: "user", content: "What is the weather in Paris?" } as const;
    const first = await model.invoke([question]);
    const call = first.tool_calls?.[0];
    if (!call) throw new Error(`${target}: no tool call`);
    expect(call.name).toBe("get_weather");
    expect(typeof call.args.city).toBe("string");
    const result = await weather.invoke(call);
    const second = await model.invoke([question, first, result]);
    expect(second.tool_calls ?? []).toEqual([]);
    expect(second.text.length).toBeGreaterThan(0);
    expect(calledSince(from)).toEqual(["POST /openai/v1/responses"]);
  });
});

describe.each(TARGETS)("OpenAI's Agents SDK with OpenAIResponsesModel, @%s", (target) => {
  const model = () =>
    new OpenAIResponsesModel(
      new OpenAI({
        apiKey: HARNESS_KEY,
        baseURL: `${harness.baseUrl}/openai/v1`,
        fetch: recordingFetch,
        maxRetries: 0,
      }),
      `@${target}`,
    );

  test("an agent that calls a tool, gets its result and answers; streamed too", async () => {
    const asked: string[] = [];
    const getWeather = tool({
      name: "get_weather",
      description: "Current weather for a city",
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        asked.push(city);
        return `18°C and sunny in ${city}`;
      },
    });
    const agent = new Agent({
      name: "Weather",
      instructions: "Answer with the weather tool.",
      model: model(),
      tools: [getWeather],
    });

    const from = calls.length;
    const result = await run(agent, "What is the weather in Paris?");
    expect(asked).toHaveLength(1);
    expect(typeof result.finalOutput).toBe("string");
    expect(String(result.finalOutput).length).toBeGreaterThan(0);
    const items = result.newItems.map((item) => item.type);
    expect(items).toContain("tool_call_item");
    expect(items).toContain("tool_call_output_item");
    expect(items[items.length - 1]).toBe("message_output_item");
    // Two turns: the call, then the answer to its result.
    expect(calls.slice(from)).toEqual(["POST /openai/v1/responses", "POST /openai/v1/responses"]);

    const streamed = await run(agent, "What is the weather in Oslo?", { stream: true });
    let textDeltas = 0;
    for await (const event of streamed)
      if (event.type === "raw_model_stream_event" && event.data.type === "output_text_delta")
        textDeltas++;
    await streamed.completed;
    expect(asked).toHaveLength(2);
    expect(textDeltas).toBeGreaterThan(0);
    expect(String(streamed.finalOutput).length).toBeGreaterThan(0);
  });
});
