// The simulator's fidelity check: each vendor's official SDK, pointed at it with only the base
// URL and key changed, parses everything it sends back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

let simulator: RunningSimulator;
let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  openai = new OpenAI({ apiKey: "sk-simulator", baseURL: `${simulator.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "sk-ant-simulator", baseURL: simulator.url, maxRetries: 0 });
});
afterAll(() => simulator.stop());

describe("the openai SDK against the simulator", () => {
  const messages = [{ role: "user" as const, content: "Say something about routing." }];

  test("a plain call", async () => {
    const completion = await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  test("a streamed call with usage", async () => {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let completionTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(completionTokens).toBeGreaterThan(0);
  });

  test("a tool call, plain and streamed through the SDK's stream helper", async () => {
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "get_weather",
          parameters: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
          },
        },
      },
    ];
    const weather = [{ role: "user" as const, content: "What is the weather in Rome?" }];
    const completion = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: weather,
      tools,
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    if (call?.type === "function")
      expect(Object.keys(JSON.parse(call.function.arguments))).toEqual(["city"]);

    const stream = openai.chat.completions.stream({ model: "gpt-4o", messages: weather, tools });
    const final = await stream.finalChatCompletion();
    const streamedCall = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    if (streamedCall?.type === "function") {
      expect(streamedCall.function.name).toBe("get_weather");
      expect(JSON.parse(streamedCall.function.arguments)).toHaveProperty("city");
    } else throw new Error("expected a function tool call");
  });

  test("embeddings through the SDK's default base64 encoding", async () => {
    const embedding = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: "hello",
      dimensions: 64,
    });
    expect(embedding.data[0]?.embedding).toHaveLength(64);
  });

  test("errors become the SDK's typed errors", async () => {
    await fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-limited", status: 429 }),
    });
    const failure = await openai.chat.completions
      .create({ model: "gpt-limited", messages })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe("the @anthropic-ai/sdk against the simulator", () => {
  const messages = [{ role: "user" as const, content: "Say something about budgets." }];

  test("a plain call", async () => {
    const message = await anthropic.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 256,
      messages,
    });
    expect(message.content[0]?.type).toBe("text");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  test("a streamed call, iterated event by event and then as a final message", async () => {
    const stream = await anthropic.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 256,
      messages,
      stream: true,
    });
    let text = "";
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "content_block_delta" && event.delta.type === "text_delta")
        text += event.delta.text;
    }
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(text.length).toBeGreaterThan(0);

    const thinking = await anthropic.messages
      .stream({
        model: "claude-sonnet-4-6",
        max_tokens: 2048,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages,
      })
      .finalMessage();
    expect(thinking.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    const [thought] = thinking.content;
    if (thought?.type === "thinking") expect(thought.signature.length).toBeGreaterThan(0);
  });

  test("a tool call, plain and streamed", async () => {
    const tools = [
      {
        name: "get_weather",
        description: "Weather in a city",
        input_schema: {
          type: "object" as const,
          properties: { city: { type: "string" } },
          required: ["city"],
        },
      },
    ];
    const weather = [{ role: "user" as const, content: "What is the weather in Rome?" }];
    const message = await anthropic.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 256,
      messages: weather,
      tools,
    });
    expect(message.stop_reason).toBe("tool_use");
    const final = await anthropic.messages
      .stream({ model: "claude-sonnet-4-6", max_tokens: 256, messages: weather, tools })
      .finalMessage();
    const [block] = final.content;
    if (block?.type !== "tool_use") throw new Error("expected a tool_use block");
    expect(block.name).toBe("get_weather");
    expect(block.input).toHaveProperty("city");
  });

  test("count_tokens and typed errors", async () => {
    const counted = await anthropic.messages.countTokens({ model: "claude-haiku-4-5", messages });
    expect(counted.input_tokens).toBeGreaterThan(0);
    await fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model: "claude-busy", status: 529 }),
    });
    const failure = await anthropic.messages
      .create({ model: "claude-busy", max_tokens: 10, messages })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(failure instanceof Anthropic.APIError ? failure.status : undefined).toBe(529);
  });
});
