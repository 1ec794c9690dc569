import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { countTokens } from "../../simulator/common/tokens.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { readServerSentEvents } from "../../simulator/testing/server-sent-events.ts";

let simulator: RunningSimulator;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
});
afterAll(() => simulator.stop());

const HEADERS = {
  "x-api-key": "sk-ant-test",
  "anthropic-version": "2023-06-01",
  "content-type": "application/json",
};

// Only what these tests read of Anthropic's shapes.
type ContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };
interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}
interface Message {
  id: string;
  type: string;
  role: string;
  model: string;
  content: ContentBlock[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: Usage;
}
interface StreamEvent {
  type: string;
  index?: number;
  message?: { id: string; usage: Usage };
  content_block?: { type: string; id?: string; name?: string };
  delta?: {
    type?: string;
    text?: string;
    thinking?: string;
    signature?: string;
    partial_json?: string;
    stop_reason?: string;
  };
  usage?: Usage;
}
interface AnthropicError {
  type: string;
  error: { type: string; message: string };
}

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = HEADERS,
): Promise<Response> {
  return fetch(`${simulator.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

async function json<T>(response: Response | Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}

const create = (body: unknown) => json<Message>(post("/v1/messages", body));

function block<TType extends ContentBlock["type"]>(
  message: Message,
  type: TType,
): Extract<ContentBlock, { type: TType }> {
  const found = message.content.find((entry) => entry.type === type);
  if (!found) throw new Error(`the message has no ${type} block`);
  return found as Extract<ContentBlock, { type: TType }>;
}

async function streamEvents(body: Record<string, unknown>): Promise<StreamEvent[]> {
  const response = await post("/v1/messages", { ...body, stream: true });
  expect(response.status).toBe(200);
  const events = await readServerSentEvents(response);
  return events.map((event) => {
    const data = JSON.parse(event.data) as StreamEvent;
    // Every frame names its event twice, in the `event:` line and in the data's type.
    expect(data.type).toBe(event.event);
    return data;
  });
}

const deltaText = (
  events: StreamEvent[],
  type: string,
  field: "text" | "thinking" | "partial_json",
) => events.map((event) => (event.delta?.type === type ? (event.delta[field] ?? "") : "")).join("");

const weatherTool = {
  name: "get_weather",
  description: "Current weather",
  input_schema: {
    type: "object",
    properties: { city: { type: "string" }, unit: { enum: ["c", "f"] } },
    required: ["city"],
  },
};

describe("simulator: Anthropic messages", () => {
  const request = {
    model: "claude-sonnet-4-6",
    max_tokens: 1024,
    messages: [{ role: "user", content: "Tell me about gateways." }],
  };

  test("a plain call returns a message with usage consistent with its text", async () => {
    const response = await post("/v1/messages", request);
    expect(response.status).toBe(200);
    expect(response.headers.get("request-id")).toStartWith("req_");
    const message = await json<Message>(response);
    expect(message.id).toStartWith("msg_");
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.model).toBe("claude-sonnet-4-6");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.stop_sequence).toBeNull();
    expect(message.content).toHaveLength(1);
    expect(message.usage.output_tokens).toBe(countTokens(block(message, "text").text));
    // 3 per message + "Tell me about gateways." (5) + 3 to prime the reply.
    expect(message.usage.input_tokens).toBe(11);
    expect(message.usage.cache_creation_input_tokens).toBe(0);
    expect(message.usage.cache_read_input_tokens).toBe(0);
  });

  test("the same request gives the same text, streamed or not", async () => {
    const first = await create(request);
    const second = await create(request);
    expect(second.content).toEqual(first.content);
    const events = await streamEvents(request);
    expect(deltaText(events, "text_delta", "text")).toBe(block(first, "text").text);
  });

  test("a stream runs message_start … message_stop with the final usage in message_delta", async () => {
    const events = await streamEvents(request);
    const types = events.map((event) => event.type);
    expect(types.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"]);
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(events[0]?.message?.id).toStartWith("msg_");
    expect(events[0]?.message?.usage.input_tokens).toBe(11);
    const text = deltaText(events, "text_delta", "text");
    const messageDelta = events.at(-2);
    expect(messageDelta?.delta?.stop_reason).toBe("end_turn");
    expect(messageDelta?.usage?.output_tokens).toBe(countTokens(text));
    expect(events.filter((event) => event.delta?.type === "text_delta").length).toBe(
      countTokens(text),
    );
  });

  test("max_tokens cuts the answer with stop_reason max_tokens", async () => {
    const message = await create({ ...request, max_tokens: 4 });
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(4);
    expect(countTokens(block(message, "text").text)).toBe(4);
  });

  test("a stop sequence is reported with stop_reason stop_sequence", async () => {
    const message = await create({ ...request, stop_sequences: ["."] });
    expect(message.stop_reason).toBe("stop_sequence");
    expect(message.stop_sequence).toBe(".");
    expect(block(message, "text").text).not.toContain(".");
  });

  test("tools and a weather question give a tool_use block; the stream's JSON parts make valid JSON", async () => {
    const withTools = {
      ...request,
      tools: [weatherTool],
      messages: [{ role: "user", content: "How is the weather in Oslo?" }],
    };
    const message = await create(withTools);
    expect(message.stop_reason).toBe("tool_use");
    const toolUse = block(message, "tool_use");
    expect(toolUse.id).toStartWith("toolu_");
    expect(toolUse.name).toBe("get_weather");
    expect(Object.keys(toolUse.input)).toEqual(["city"]);
    expect(message.usage.output_tokens).toBe(
      countTokens("get_weather") + countTokens(JSON.stringify(toolUse.input)),
    );

    const events = await streamEvents(withTools);
    const start = events.find((event) => event.type === "content_block_start");
    expect(start?.content_block).toMatchObject({ type: "tool_use", name: "get_weather" });
    expect(JSON.parse(deltaText(events, "input_json_delta", "partial_json"))).toEqual(
      toolUse.input,
    );
    expect(events.at(-2)?.delta?.stop_reason).toBe("tool_use");
  });

  test("tool_choice any or tool forces a call; without one and without weather the answer is text", async () => {
    for (const tool_choice of [{ type: "any" }, { type: "tool", name: "get_weather" }]) {
      expect((await create({ ...request, tools: [weatherTool], tool_choice })).stop_reason).toBe(
        "tool_use",
      );
    }
    expect((await create({ ...request, tools: [weatherTool] })).stop_reason).toBe("end_turn");
  });

  test("extended thinking comes first, with a signature, and counts in output_tokens", async () => {
    const thinking = {
      ...request,
      max_tokens: 2048,
      thinking: { type: "enabled", budget_tokens: 1024 },
    };
    const message = await create(thinking);
    expect(message.content.map((entry) => entry.type)).toEqual(["thinking", "text"]);
    const thought = block(message, "thinking");
    expect(thought.signature.length).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBe(
      countTokens(thought.thinking) + countTokens(block(message, "text").text),
    );

    const events = await streamEvents(thinking);
    expect(deltaText(events, "thinking_delta", "thinking")).toBe(thought.thinking);
    const signatures = events.filter((event) => event.delta?.type === "signature_delta");
    expect(signatures).toHaveLength(1);
    expect(signatures[0]?.delta?.signature).toBe(thought.signature);
    const lastThinking = events.findLastIndex((event) => event.delta?.type === "thinking_delta");
    expect(events.findIndex((event) => event.delta?.type === "signature_delta")).toBeGreaterThan(
      lastThinking,
    );
    expect(events.find((event) => event.delta?.type === "text_delta")?.index).toBe(1);
  });

  test("a cache_control prefix is written on first sight and read afterwards", async () => {
    const systemText = "You follow the policy. ".repeat(300);
    const cached = {
      ...request,
      system: [{ type: "text", text: systemText, cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "First question about gateways?" }],
    };
    const first = await create(cached);
    const total = first.usage.input_tokens + first.usage.cache_creation_input_tokens;
    expect(first.usage.cache_creation_input_tokens).toBe(countTokens(systemText));
    expect(first.usage.cache_read_input_tokens).toBe(0);
    const second = await create({
      ...cached,
      messages: [{ role: "user", content: "Second question about gateways?" }],
    });
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens + second.usage.cache_read_input_tokens).toBe(total);
    expect(await json(post("/v1/messages/count_tokens", cached))).toEqual({ input_tokens: total });
  });

  test("count_tokens answers the input tokens /v1/messages reports", async () => {
    const counted = await json<{ input_tokens: number }>(
      post("/v1/messages/count_tokens", { model: request.model, messages: request.messages }),
    );
    expect(counted.input_tokens).toBe((await create(request)).usage.input_tokens);
  });
});

describe("simulator: Anthropic errors", () => {
  const request = {
    model: "claude-haiku-4-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi" }],
  };

  test("no x-api-key and no bearer token is a 401 authentication_error; a bearer token is fine", async () => {
    const response = await post("/v1/messages", request, {
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
    });
    expect(response.status).toBe(401);
    const body = await json<AnthropicError>(response);
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("authentication_error");
    expect(typeof body.error.message).toBe("string");
    const bearer = await post("/v1/messages", request, {
      authorization: "Bearer token",
      "anthropic-version": "2023-06-01",
    });
    expect(bearer.status).toBe(200);
  });

  test("a missing max_tokens, a bad role, malformed JSON, no anthropic-version or a large thinking budget is a 400", async () => {
    const { max_tokens: _, ...withoutMaxTokens } = request;
    const responses = [
      await post("/v1/messages", withoutMaxTokens),
      await post("/v1/messages", { ...request, messages: [{ role: "system", content: "x" }] }),
      await fetch(`${simulator.url}/v1/messages`, { method: "POST", headers: HEADERS, body: "{" }),
      await post("/v1/messages", request, { "x-api-key": "key" }),
      await post("/v1/messages", {
        ...request,
        thinking: { type: "enabled", budget_tokens: 2048 },
      }),
    ];
    expect(responses.map((response) => response.status)).toEqual([400, 400, 400, 400, 400]);
    const bodies = await Promise.all(responses.map((response) => json<AnthropicError>(response)));
    for (const body of bodies) {
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("invalid_request_error");
    }
    expect(bodies[0]?.error.message).toBe("max_tokens: Field required");
    expect(bodies[1]?.error.message).toStartWith("messages.0.role:");
  });

  test("models are listed in Anthropic's shape when anthropic-version is sent", async () => {
    const list = await json<{ has_more: boolean; data: Array<{ type: string }> }>(
      fetch(`${simulator.url}/v1/models`, { headers: HEADERS }),
    );
    expect(list.has_more).toBe(false);
    expect(list.data[0]?.type).toBe("model");
  });
});
