// The simulator's Responses API, checked the way a user would: the official `openai` SDK (plain
// calls, its stream helpers, parse) pointed at the simulator, and the raw wire where the SDK
// hides it (SSE framing, error shapes). Stored responses: simulator-responses-stored.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { countTokens } from "../../simulator/common/tokens.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { parseServerSentEvents } from "../../simulator/testing/server-sent-events.ts";

let simulator: RunningSimulator;
let openai: OpenAI;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  openai = new OpenAI({ apiKey: "sk-one", baseURL: `${simulator.url}/v1`, maxRetries: 0 });
});
afterAll(() => simulator.stop());
beforeEach(async () => {
  await fetch(`${simulator.url}/_sim/faults`, { method: "DELETE" });
  await fetch(`${simulator.url}/_sim/replay`, { method: "DELETE" });
});

const weatherTool = {
  type: "function" as const,
  name: "get_weather",
  description: "Current weather of a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};

function post(path: string, body: unknown, key = "sk-one"): Promise<Response> {
  return fetch(`${simulator.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function errorOf(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("creating responses", () => {
  test("a plain call: text, usage consistent with it, the same answer for the same request", async () => {
    const request = {
      model: "gpt-4.1",
      instructions: "Be brief.",
      input: "Say something about routing.",
    };
    const response = await openai.responses.create(request);
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.id).toStartWith("resp_");
    expect(response.instructions).toBe("Be brief.");
    expect(response).toMatchObject({ store: true, background: false });
    const [message] = response.output;
    expect(message?.type).toBe("message");
    expect(response.output_text.length).toBeGreaterThan(0);
    const usage = response.usage;
    expect(usage?.output_tokens).toBe(countTokens(response.output_text));
    // 3 + "Be brief." (3 tokens), 3 + "Say something about routing." (5), 3 to prime the reply.
    expect(usage?.input_tokens).toBe(17);
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
    expect(usage?.output_tokens_details.reasoning_tokens).toBe(0);

    const again = await openai.responses.create(request);
    expect(again.output_text).toBe(response.output_text);
    expect(again.id).not.toBe(response.id);
  });

  test("responses.stream: the SDK's event helpers and finalResponse() agree with the deltas", async () => {
    const stream = openai.responses.stream({ model: "gpt-4.1-mini", input: "Tell me a story." });
    let deltas = "";
    let deltaCount = 0;
    const sequence: number[] = [];
    stream.on("response.output_text.delta", (event) => {
      deltas += event.delta;
      deltaCount++;
    });
    stream.on("event", (event) => sequence.push(event.sequence_number));
    const final = await stream.finalResponse();
    expect(final.status).toBe("completed");
    expect(final.output_text).toBe(deltas);
    expect(deltaCount).toBe(final.usage?.output_tokens ?? -1);
    expect(sequence).toEqual(sequence.map((_, index) => index));
  });

  test("the SSE wire: event lines, OpenAI's taxonomy, obfuscation unless turned off", async () => {
    const response = await post("/v1/responses", {
      model: "gpt-4.1",
      input: "Hi",
      stream: true,
      stream_options: { include_obfuscation: false },
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = parseServerSentEvents(await response.text());
    const types = events.map((event) => event.event);
    expect(types.slice(0, 5)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
    ]);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    for (const event of events) expect(JSON.parse(event.data).type).toBe(event.event);
    const delta = JSON.parse(events[4]?.data ?? "{}");
    expect(delta.obfuscation).toBeUndefined();
    const created = JSON.parse(events[0]?.data ?? "{}");
    expect(created.response.status).toBe("in_progress");
    expect(created.response.usage).toBeNull();
  });

  test("function tools over two turns: a call, then its output through previous_response_id", async () => {
    const first = await openai.responses.create({
      model: "gpt-4.1",
      input: [{ role: "user", content: "What is the weather in Rome?" }],
      tools: [weatherTool],
    });
    const call = first.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call") throw new Error("expected a function call");
    expect(call.name).toBe("get_weather");
    expect(Object.keys(JSON.parse(call.arguments))).toEqual(["city"]);
    expect(call.call_id).toStartWith("call_");

    const second = await openai.responses.create({
      model: "gpt-4.1",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: '{"temp": 21}' }],
      tools: [weatherTool],
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output.map((item) => item.type)).toEqual(["message"]);
    // The first turn's input and its call are in the context again.
    expect(second.usage?.input_tokens ?? 0).toBeGreaterThan(first.usage?.input_tokens ?? 0);

    // Without the chain, stored items are referenced by id; with it, sending them again is a duplicate.
    const byReference = await openai.responses.create({
      model: "gpt-4.1",
      input: [
        { type: "item_reference", id: call.id ?? "" },
        { type: "function_call_output", call_id: call.call_id, output: '{"temp": 21}' },
      ],
      tools: [weatherTool],
    });
    expect(byReference.output.map((item) => item.type)).toEqual(["message"]);
    const duplicate = await errorOf(
      openai.responses.create({
        model: "gpt-4.1",
        previous_response_id: first.id,
        input: [{ type: "item_reference", id: call.id ?? "" }],
      }),
    );
    expect(duplicate.message).toContain(`Duplicate item found with id ${call.id}`);

    const streamed = openai.responses.stream({
      model: "gpt-4.1",
      input: "Weather in Oslo?",
      tools: [weatherTool],
    });
    let argumentDeltas = "";
    streamed.on("response.function_call_arguments.delta", (event) => {
      argumentDeltas += event.delta;
    });
    const final = await streamed.finalResponse();
    const streamedCall = final.output.find((item) => item.type === "function_call");
    expect(streamedCall?.type === "function_call" && streamedCall.arguments).toBe(argumentDeltas);
  });

  test("a function call output that answers no call is OpenAI's 400", async () => {
    const error = await errorOf(
      openai.responses.create({
        model: "gpt-4.1",
        input: [{ type: "function_call_output", call_id: "call_nowhere", output: "x" }],
      }),
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain(
      "No tool call found for function call output with call_id call_nowhere",
    );
  });

  test("text.format json_schema: responses.parse reads the object", async () => {
    const schema = {
      type: "object",
      properties: { city: { type: "string" }, population: { type: "integer" } },
      required: ["city", "population"],
      additionalProperties: false,
    };
    const parsed = await openai.responses.parse({
      model: "gpt-4.1",
      input: "A city, please.",
      text: { format: { type: "json_schema", name: "city", schema, strict: true } },
    });
    const value = parsed.output_parsed as { city: unknown; population: unknown };
    expect(typeof value.city).toBe("string");
    expect(Number.isInteger(value.population)).toBe(true);
    expect(parsed.text?.format).toMatchObject({ type: "json_schema", name: "city" });
  });

  test("reasoning: an item with its summary and encrypted content, round-tripped statelessly", async () => {
    const request = {
      model: "o4-mini",
      input: "Plan a route.",
      reasoning: { effort: "low" as const, summary: "auto" as const },
      include: ["reasoning.encrypted_content" as const],
      store: false,
    };
    const stream = openai.responses.stream(request);
    let summaryDeltas = "";
    stream.on("response.reasoning_summary_text.delta", (event) => {
      summaryDeltas += event.delta;
    });
    const response = await stream.finalResponse();
    const [reasoning, message] = response.output;
    if (reasoning?.type !== "reasoning") throw new Error("expected a reasoning item first");
    expect(message?.type).toBe("message");
    const summary = reasoning.summary[0]?.text ?? "";
    expect(summary).toBe(summaryDeltas);
    expect(typeof reasoning.encrypted_content).toBe("string");
    expect(response.reasoning).toEqual({ effort: "low", summary: "auto" });
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(countTokens(summary));
    expect(response.usage?.output_tokens).toBe(
      countTokens(summary) + countTokens(response.output_text),
    );

    // store: false, so the reasoning comes back with its encrypted content.
    const next = await openai.responses.create({
      ...request,
      input: [
        { role: "user", content: "Plan a route." },
        reasoning,
        { role: "assistant", content: response.output_text },
        { role: "user", content: "And back?" },
      ],
    });
    expect(next.status).toBe("completed");

    const tampered = await errorOf(
      openai.responses.create({
        ...request,
        input: [{ ...reasoning, encrypted_content: `${reasoning.encrypted_content}x` }],
      }),
    );
    expect(tampered.status).toBe(400);
    expect(tampered.code).toBe("invalid_encrypted_content");
    const missing = await errorOf(
      openai.responses.create({ ...request, input: [{ ...reasoning, encrypted_content: null }] }),
    );
    expect(missing.status).toBe(404);
    expect(missing.message).toContain("Items are not persisted when `store` is set to false");
  });

  test("max_output_tokens: status incomplete with the reason, the message cut to the limit", async () => {
    const response = await openai.responses.create({
      model: "gpt-4.1",
      input: "Write at length.",
      max_output_tokens: 16,
    });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details?.reason).toBe("max_output_tokens");
    expect(response.usage?.output_tokens).toBe(16);
    expect(response.output[0]?.type === "message" && response.output[0].status).toBe("incomplete");
  });

  test("settings are echoed: temperature, top_p, metadata, store, tool_choice", async () => {
    const response = await openai.responses.create({
      model: "gpt-4.1",
      input: "Hi",
      temperature: 0.2,
      top_p: 0.9,
      metadata: { team: "search" },
      store: false,
      tools: [weatherTool],
      tool_choice: "none",
    });
    expect(response).toMatchObject({
      temperature: 0.2,
      top_p: 0.9,
      metadata: { team: "search" },
      store: false,
      tool_choice: "none",
    });
    expect(response.output.map((item) => item.type)).toEqual(["message"]);
    expect((await errorOf(openai.responses.retrieve(response.id))).status).toBe(404);
  });
});

describe("built-in tools", () => {
  test("web search, file search and code interpreter answer with their own items", async () => {
    const stream = openai.responses.stream({
      model: "gpt-4.1",
      input: "Find the latest Bun release notes",
      tools: [
        { type: "web_search" },
        { type: "file_search", vector_store_ids: ["vs_docs"] },
        { type: "code_interpreter", container: { type: "auto" } },
      ],
      include: ["web_search_call.action.sources", "code_interpreter_call.outputs"],
    });
    const searching: string[] = [];
    stream.on("response.web_search_call.searching", (event) => searching.push(event.item_id));
    const response = await stream.finalResponse();
    expect(response.output.map((item) => item.type)).toEqual([
      "web_search_call",
      "file_search_call",
      "code_interpreter_call",
      "message",
    ]);
    const [search, files, code, message] = response.output;
    expect(searching).toEqual([search?.id ?? ""]);
    if (search?.type !== "web_search_call" || search.action.type !== "search")
      throw new Error("expected a web search");
    expect(search.action.query).toBe("Find the latest Bun release notes");
    expect(search.action.sources?.length).toBe(1);
    expect(files?.type === "file_search_call" && files.queries).toEqual([
      "Find the latest Bun release notes",
    ]);
    if (code?.type !== "code_interpreter_call") throw new Error("expected code");
    expect(code.outputs?.[0]).toMatchObject({ type: "logs" });
    const annotations =
      message?.type === "message" && message.content[0]?.type === "output_text"
        ? message.content[0].annotations.map((annotation) => annotation.type)
        : [];
    expect(annotations).toEqual(["url_citation", "file_citation"]);
  });

  test("computer use: a computer_call, answered by computer_call_output in the next turn", async () => {
    const tools = [
      {
        type: "computer_use_preview" as const,
        display_width: 1024,
        display_height: 768,
        environment: "browser" as const,
      },
    ];
    const first = await openai.responses.create({
      model: "computer-use-preview",
      input: "Open the pricing page",
      tools,
      truncation: "auto",
    });
    const call = first.output.at(-1);
    if (call?.type !== "computer_call") throw new Error("expected a computer call");
    expect(call.action).toEqual({ type: "screenshot" });
    const second = await openai.responses.create({
      model: "computer-use-preview",
      previous_response_id: first.id,
      input: [
        {
          type: "computer_call_output",
          call_id: call.call_id,
          output: { type: "computer_screenshot", image_url: "data:image/png;base64,AAAA" },
        },
      ],
      tools,
      truncation: "auto",
    });
    expect(second.output.map((item) => item.type)).toEqual(["message"]);
  });
});

describe("validation in OpenAI's error shape", () => {
  // [case, body, the parameter named, a part of OpenAI's message]
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    [
      "an unknown parameter",
      { model: "gpt-4.1", input: "x", messages: [] },
      "messages",
      "Unknown parameter: 'messages'.",
    ],
    [
      "a Chat Completions tool",
      { model: "gpt-4.1", input: "x", tools: [{ type: "function", function: { name: "f" } }] },
      "tools[0].name",
      "Missing required parameter: 'tools[0].name'.",
    ],
    [
      "a json_schema format without its name",
      { model: "gpt-4.1", input: "x", text: { format: { type: "json_schema", schema: {} } } },
      "text.format.name",
      "Missing required parameter: 'text.format.name'.",
    ],
    [
      "max_output_tokens below 16",
      { model: "gpt-4.1", input: "x", max_output_tokens: 5 },
      "max_output_tokens",
      "Expected a value >= 16",
    ],
    [
      "temperature on a reasoning model",
      { model: "o3", input: "x", temperature: 0.5 },
      "temperature",
      "Unsupported parameter: 'temperature' is not supported with this model.",
    ],
    [
      "reasoning on a model without it",
      { model: "gpt-4.1", input: "x", reasoning: { effort: "high" } },
      "reasoning.effort",
      "Unsupported parameter: 'reasoning.effort'",
    ],
    [
      "an input part of the wrong role",
      {
        model: "gpt-4.1",
        input: [{ role: "user", content: [{ type: "output_text", text: "x" }] }],
      },
      "input[0].content[0].type",
      "Invalid value: 'output_text'.",
    ],
    [
      "a tool choice naming a tool not offered",
      { model: "gpt-4.1", input: "x", tool_choice: { type: "function", name: "nope" } },
      "tool_choice",
      "Tool choice function 'nope' not found in 'tools' parameter.",
    ],
    ["no input", { model: "gpt-4.1" }, "input", "Missing required parameter: 'input'."],
  ];
  for (const [name, body, param, message] of cases) {
    test(name, async () => {
      const response = await post("/v1/responses", body);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: Record<string, unknown> };
      expect(error.type).toBe("invalid_request_error");
      expect(error.param).toBe(param);
      expect(error.message).toContain(message);
    });
  }

  test("no key is a 401 in OpenAI's shape", async () => {
    const response = await fetch(`${simulator.url}/v1/responses`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-4.1", input: "x" }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("invalid_api_key");
  });
});
