import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { countTokens } from "../../simulator/common/tokens.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { readServerSentEvents } from "../../simulator/testing/server-sent-events.ts";

let simulator: RunningSimulator;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
});
afterAll(() => simulator.stop());

const AUTH = { authorization: "Bearer sk-test", "content-type": "application/json" };

// Only what these tests read of OpenAI's shapes.
interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}
interface Choice {
  index: number;
  message: {
    role: string;
    content: string | null;
    refusal: string | null;
    tool_calls?: ToolCall[];
  };
  finish_reason: string;
}
interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}
interface ChatCompletion {
  id: string;
  object: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Choice[];
  usage: Usage;
}
interface Chunk {
  id: string;
  object: string;
  choices: Array<{
    delta: {
      role?: string;
      content?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        function: { name?: string; arguments: string };
      }>;
    };
    finish_reason: string | null;
  }>;
  usage?: Usage | null;
}

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = AUTH,
): Promise<Response> {
  return fetch(`${simulator.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

async function json<T>(response: Response | Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}

const complete = (body: unknown) => json<ChatCompletion>(post("/v1/chat/completions", body));

function choiceOf(completion: ChatCompletion): Choice {
  const [choice] = completion.choices;
  if (!choice) throw new Error("the completion has no choice");
  return choice;
}

const textOf = (completion: ChatCompletion) => choiceOf(completion).message.content ?? "";

async function streamChunks(
  body: Record<string, unknown>,
): Promise<{ chunks: Chunk[]; done: boolean }> {
  const response = await post("/v1/chat/completions", { ...body, stream: true });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toStartWith("text/event-stream");
  const events = await readServerSentEvents(response);
  const done = events.at(-1)?.data === "[DONE]";
  const chunks = events
    .filter((event) => event.data !== "[DONE]")
    .map((event) => JSON.parse(event.data) as Chunk);
  return { chunks, done };
}

const streamedText = (chunks: Chunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a place",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
        days: { type: "integer" },
      },
      required: ["location", "unit"],
    },
  },
};

describe("simulator: OpenAI chat completions", () => {
  const request = {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Tell me about gateways." }],
  };

  test("a plain call returns a chat.completion with usage consistent with its text", async () => {
    const response = await post("/v1/chat/completions", request);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toStartWith("req_");
    const completion = await json<ChatCompletion>(response);
    expect(completion.id).toStartWith("chatcmpl-");
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("gpt-4o-mini");
    expect(typeof completion.created).toBe("number");
    expect(completion.system_fingerprint).toStartWith("fp_");
    const choice = choiceOf(completion);
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.refusal).toBeNull();
    expect(choice.finish_reason).toBe("stop");
    const tokens = countTokens(textOf(completion));
    expect(tokens).toBeGreaterThanOrEqual(20);
    expect(tokens).toBeLessThanOrEqual(80);
    expect(completion.usage.completion_tokens).toBe(tokens);
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + tokens);
    // 3 per message + "Tell me about gateways." (5) + 3 to prime the reply.
    expect(completion.usage.prompt_tokens).toBe(11);
    expect(completion.usage.prompt_tokens_details.cached_tokens).toBe(0);
    expect(completion.usage.completion_tokens_details.reasoning_tokens).toBe(0);
  });

  test("the same request gets the same text, stream or not; another prompt another text", async () => {
    const first = await complete(request);
    const second = await complete(request);
    expect(textOf(second)).toBe(textOf(first));
    expect(second.id).not.toBe(first.id);
    const { chunks } = await streamChunks(request);
    expect(streamedText(chunks)).toBe(textOf(first));
    const other = await complete({
      ...request,
      messages: [{ role: "user", content: "Something else." }],
    });
    expect(textOf(other)).not.toBe(textOf(first));
  });

  test("a stream has a role chunk, token deltas, a finish chunk and [DONE], and no usage unless asked", async () => {
    const { chunks, done } = await streamChunks(request);
    expect(done).toBe(true);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe("stop");
    expect(last?.choices[0]?.delta).toEqual({});
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  test("include_usage adds a usage chunk with no choices before [DONE]", async () => {
    const { chunks, done } = await streamChunks({
      ...request,
      stream_options: { include_usage: true },
    });
    expect(done).toBe(true);
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    const text = streamedText(chunks);
    const deltas = chunks.filter((chunk) => chunk.choices[0]?.delta.content).length;
    expect(usageChunk?.usage?.completion_tokens).toBe(countTokens(text));
    expect(deltas).toBe(countTokens(text));
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  test("max_tokens and max_completion_tokens cut the answer with finish_reason length", async () => {
    for (const [field, limit] of [
      ["max_tokens", 5],
      ["max_completion_tokens", 7],
    ] as const) {
      const completion = await complete({ ...request, [field]: limit });
      expect(choiceOf(completion).finish_reason).toBe("length");
      expect(countTokens(textOf(completion))).toBe(limit);
      expect(completion.usage.completion_tokens).toBe(limit);
    }
    const { chunks } = await streamChunks({ ...request, max_tokens: 3 });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("length");
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBe(3);
  });

  test("a stop sequence ends the text before it", async () => {
    const completion = await complete({ ...request, stop: ["."] });
    expect(choiceOf(completion).finish_reason).toBe("stop");
    expect(textOf(completion)).not.toContain(".");
  });

  test("reasoning models report reasoning tokens inside completion_tokens", async () => {
    const completion = await complete({ ...request, model: "o4-mini", reasoning_effort: "low" });
    const reasoning = completion.usage.completion_tokens_details.reasoning_tokens;
    expect(reasoning).toBeGreaterThan(0);
    expect(completion.usage.completion_tokens).toBe(reasoning + countTokens(textOf(completion)));
  });

  test("tools and a question about the weather give a tool call built from the schema", async () => {
    const withTools = {
      ...request,
      tools: [weatherTool],
      messages: [{ role: "user", content: "What's the weather in Paris?" }],
    };
    const completion = await complete(withTools);
    const choice = choiceOf(completion);
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls?.[0];
    if (!call) throw new Error("expected a tool call");
    expect(call.id).toStartWith("call_");
    expect(call.type).toBe("function");
    expect(call.function.name).toBe("get_weather");
    const args = JSON.parse(call.function.arguments) as { location: string; unit: string };
    expect(Object.keys(args).sort()).toEqual(["location", "unit"]);
    expect(["celsius", "fahrenheit"]).toContain(args.unit);
    expect(completion.usage.completion_tokens).toBe(
      countTokens("get_weather") + countTokens(call.function.arguments),
    );

    const { chunks } = await streamChunks(withTools);
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]?.id).toStartWith("call_");
    expect(calls[0]?.function.name).toBe("get_weather");
    expect(calls.every((entry) => entry.index === 0)).toBe(true);
    expect(calls.length).toBeGreaterThan(2);
    const streamedArguments = calls.map((entry) => entry.function.arguments).join("");
    expect(JSON.parse(streamedArguments)).toEqual(args);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  test("tools without a weather question answer in text unless tool_choice forces a call", async () => {
    const withTools = { ...request, tools: [weatherTool] };
    expect(choiceOf(await complete(withTools)).finish_reason).toBe("stop");
    for (const tool_choice of [
      "required",
      { type: "function", function: { name: "get_weather" } },
    ]) {
      const forced = await complete({ ...withTools, tool_choice });
      expect(choiceOf(forced).message.tool_calls?.[0]?.function.name).toBe("get_weather");
    }
    const none = {
      ...withTools,
      tool_choice: "none",
      messages: [{ role: "user", content: "weather?" }],
    };
    expect(choiceOf(await complete(none)).finish_reason).toBe("stop");
  });

  test("JSON mode and json_schema produce valid JSON content", async () => {
    const jsonObject = await complete({ ...request, response_format: { type: "json_object" } });
    expect(typeof JSON.parse(textOf(jsonObject))).toBe("object");
    const schema = {
      type: "object",
      properties: {
        title: { type: "string" },
        score: { type: "number" },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["title", "score", "tags"],
      additionalProperties: false,
    };
    const structured = await complete({
      ...request,
      response_format: {
        type: "json_schema",
        json_schema: { name: "review", schema, strict: true },
      },
    });
    const value = JSON.parse(textOf(structured)) as {
      title: unknown;
      score: unknown;
      tags: unknown;
    };
    expect(typeof value.title).toBe("string");
    expect(typeof value.score).toBe("number");
    expect(Array.isArray(value.tags)).toBe(true);
  });

  test("a repeated prompt of at least 1024 tokens reports cached tokens in steps of 128", async () => {
    const long = {
      model: "gpt-4o",
      messages: [
        { role: "system", content: "policy ".repeat(1200) },
        { role: "user", content: "hello" },
      ],
    };
    expect((await complete(long)).usage.prompt_tokens_details.cached_tokens).toBe(0);
    const second = await complete(long);
    const cached = second.usage.prompt_tokens_details.cached_tokens;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect(cached % 128).toBe(0);
    expect(cached).toBeLessThanOrEqual(second.usage.prompt_tokens);
    const short = { model: "gpt-4o", messages: [{ role: "user", content: "short prompt" }] };
    await complete(short);
    expect((await complete(short)).usage.prompt_tokens_details.cached_tokens).toBe(0);
  });
});
