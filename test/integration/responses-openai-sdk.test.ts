// The Responses API as the official `openai` SDK drives it (issue 16), against every vendor the
// embedded default seeds: create, stream, stored responses (retrieve, input items, delete),
// function tools over two turns, and previous_response_id chains that move between vendors, turn
// by turn and through a fallback config. What reached the upstream is read from the simulator's
// call log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import {
  type GatewayHarness,
  HARNESS_VENDORS,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const VENDORS = Object.keys(HARNESS_VENDORS);

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "Current weather for a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: false,
};

/** Falls back from OpenAI to Claude: a chain that starts on one moves to the other. */
const HOP_CONFIG = {
  strategy: "fallback",
  attempts: [
    { model: `openai/${HARNESS_VENDORS.openai?.model}` },
    { model: `anthropic/${HARNESS_VENDORS.anthropic?.model}` },
  ],
  retry_on: ["5xx"],
};

interface CallLog {
  counts: Record<string, Record<string, number>>;
  last: Record<string, { path: string; raw_body: string }>;
}

describe("Responses API through the official openai SDK", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  const simulator = (path: string, init?: RequestInit) =>
    fetch(`${harness.simulator.url}/_sim/${path}`, init);
  const resetCalls = () => simulator("calls", { method: "DELETE" });
  /** The one upstream request since the last reset (a turn makes exactly one). */
  const onlyUpstreamRequest = async () => {
    const log = (await (await simulator("calls")).json()) as CallLog;
    const requests = Object.values(log.last);
    expect(requests.length).toBe(1);
    return requests[0] as CallLog["last"][string];
  };

  beforeAll(() => {
    harness = startGatewayHarness({ routingConfigs: { hop: HOP_CONFIG } });
    openai = openAiClient(harness);
  });
  afterAll(() => harness.stop());

  describe.each(VENDORS)("%s", (vendor) => {
    const model = `@${vendor}`;

    test("responses.create: an assistant message, usage, the gateway's headers", async () => {
      const { data, response } = await openai.responses
        .create({ model, input: "Say hello", instructions: "Answer in one sentence." })
        .withResponse();
      expect(data.object).toBe("response");
      expect(data.id).toMatch(/^resp_/);
      expect(data.status).toBe("completed");
      const message = data.output.find((item) => item.type === "message");
      expect(message?.type === "message" && message.role).toBe("assistant");
      expect(data.output_text.length).toBeGreaterThan(0);
      expect(data.usage?.input_tokens).toBeGreaterThan(0);
      expect(data.usage?.output_tokens).toBeGreaterThan(0);
      expect(data.usage?.total_tokens).toBe(
        (data.usage?.input_tokens ?? 0) + (data.usage?.output_tokens ?? 0),
      );
      expect(response.headers.get("x-modelux-provider-used")).toBe(vendor);
      expect(response.headers.get("x-modelux-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });

    test("responses.stream: the event taxonomy in order, deltas adding up to finalResponse", async () => {
      const stream = openai.responses.stream({ model, input: "Stream hello" });
      const types: string[] = [];
      const sequence: number[] = [];
      let deltas = "";
      for await (const event of stream) {
        types.push(event.type);
        sequence.push(event.sequence_number);
        if (event.type === "response.output_text.delta") deltas += event.delta;
      }
      const final = await stream.finalResponse();
      expect(types[0]).toBe("response.created");
      expect(types.at(-1)).toBe("response.completed");
      const firstDelta = types.indexOf("response.output_text.delta");
      expect(types.indexOf("response.output_item.added")).toBeLessThan(firstDelta);
      expect(types.indexOf("response.output_text.done")).toBeGreaterThan(firstDelta);
      expect(types.filter((type) => type === "response.output_text.delta").length).toBeGreaterThan(
        1,
      );
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
      expect(new Set(sequence).size).toBe(sequence.length);
      expect(final.status).toBe("completed");
      expect(final.output_text).toBe(deltas);
      expect(final.usage?.output_tokens).toBeGreaterThan(0);
    });

    test("a stored response: retrieve, input items in both orders, delete, then 404", async () => {
      const created = await openai.responses.create({
        model,
        store: true,
        input: [
          { role: "user", content: "Remember the word apple." },
          { role: "user", content: "And the word pear." },
        ],
      });

      const retrieved = await openai.responses.retrieve(created.id);
      expect(retrieved.id).toBe(created.id);
      expect(retrieved.status).toBe("completed");
      expect(retrieved.output_text).toBe(created.output_text);
      expect(retrieved.usage).toEqual(created.usage);

      const texts = (items: OpenAI.Responses.ResponseItem[]) =>
        items.map((item) =>
          item.type === "message" && item.role === "user"
            ? item.content.map((part) => (part.type === "input_text" ? part.text : "")).join("")
            : item.type,
        );
      const ascending = await openai.responses.inputItems.list(created.id, { order: "asc" });
      expect(texts(ascending.data)).toEqual(["Remember the word apple.", "And the word pear."]);
      for (const item of ascending.data) expect(item.id.length).toBeGreaterThan(0);
      // OpenAI lists input items newest first unless asked otherwise.
      const byDefault = await openai.responses.inputItems.list(created.id);
      expect(texts(byDefault.data)).toEqual(["And the word pear.", "Remember the word apple."]);

      await openai.responses.delete(created.id);
      const gone = await openai.responses.retrieve(created.id).catch((error) => error);
      expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
      expect(gone.type).toBe("invalid_request_error");
      const noItems = await openai.responses.inputItems.list(created.id).catch((error) => error);
      expect(noItems).toBeInstanceOf(OpenAI.NotFoundError);
    });

    test("function tools over two turns: a streamed call, then its output via previous_response_id", async () => {
      const stream = openai.responses.stream({
        model,
        input: "What is the weather in Paris?",
        tools: [weatherTool],
      });
      let argumentDeltas = "";
      for await (const event of stream)
        if (event.type === "response.function_call_arguments.delta") argumentDeltas += event.delta;
      const first = await stream.finalResponse();
      const call = first.output.find((item) => item.type === "function_call");
      if (call?.type !== "function_call") throw new Error(`${vendor}: no function call`);
      expect(call.name).toBe("get_weather");
      expect(call.call_id.length).toBeGreaterThan(0);
      expect(typeof JSON.parse(call.arguments).city).toBe("string");
      expect(argumentDeltas).toBe(call.arguments);

      await resetCalls();
      const second = await openai.responses.create({
        model,
        previous_response_id: first.id,
        input: [{ type: "function_call_output", call_id: call.call_id, output: "18°C and sunny" }],
        tools: [weatherTool],
      });
      expect(second.status).toBe("completed");
      expect(second.previous_response_id).toBe(first.id);
      expect(second.output_text.length).toBeGreaterThan(0);
      expect(second.output.some((item) => item.type === "function_call")).toBe(false);
      const upstream = await onlyUpstreamRequest();
      expect(upstream.raw_body).toContain("18°C and sunny");
    });
  });

  test("a previous_response_id chain through every vendor: each turn's upstream sees the whole conversation", async () => {
    const said: string[] = [];
    let previous: OpenAI.Responses.Response | undefined;
    const ids: string[] = [];
    for (const [turn, vendor] of VENDORS.entries()) {
      await resetCalls();
      const marker = `Turn ${turn + 1}: remember the code word ${vendor}-kiwi.`;
      const { data, response } = await openai.responses
        .create({
          model: `@${vendor}`,
          input: marker,
          ...(previous ? { previous_response_id: previous.id } : {}),
        })
        .withResponse();
      expect({ vendor, status: data.status, previous: data.previous_response_id }).toEqual({
        vendor,
        status: "completed",
        previous: previous?.id ?? null,
      });
      expect(response.headers.get("x-modelux-provider-used")).toBe(vendor);
      const upstream = await onlyUpstreamRequest();
      for (const earlier of [...said, marker])
        expect({ vendor, sent: upstream.raw_body.includes(earlier) }).toEqual({
          vendor,
          sent: true,
        });
      said.push(marker, data.output_text);
      ids.push(data.id);
      previous = data;
    }
    expect(new Set(ids).size).toBe(VENDORS.length);
    // Every response of the chain stays retrievable, whichever vendor answered it.
    for (const id of ids) expect((await openai.responses.retrieve(id)).id).toBe(id);
  });

  test("a fallback config moves a chain from OpenAI to Claude mid-conversation", async () => {
    const first = await openai.responses
      .create({ model: "@hop", input: "My name is Ada. Remember it." })
      .withResponse();
    expect(first.response.headers.get("x-modelux-provider-used")).toBe("openai");

    await resetCalls();
    let second: OpenAI.Responses.Response;
    await simulator("faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: HARNESS_VENDORS.openai?.model, status: 500, count: 1 }),
    });
    try {
      const answered = await openai.responses
        .create({ model: "@hop", previous_response_id: first.data.id, input: "What is my name?" })
        .withResponse();
      second = answered.data;
      expect(answered.response.headers.get("x-modelux-provider-used")).toBe("anthropic");
      expect(second.status).toBe("completed");
      expect(second.previous_response_id).toBe(first.data.id);
      const log = (await (await simulator("calls")).json()) as CallLog;
      const claude = log.last.anthropic;
      expect(claude?.raw_body).toContain("My name is Ada. Remember it.");
      expect(claude?.raw_body).toContain(first.data.output_text);
      expect(claude?.raw_body).toContain("What is my name?");
    } finally {
      await simulator("faults", { method: "DELETE" });
    }

    // And back: the next turn, on OpenAI again, carries the Claude turn too.
    await resetCalls();
    const third = await openai.responses
      .create({ model: "@hop", previous_response_id: second.id, input: "Thanks." })
      .withResponse();
    expect(third.response.headers.get("x-modelux-provider-used")).toBe("openai");
    expect(third.data.status).toBe("completed");
    expect(third.data.previous_response_id).toBe(second.id);
    const upstream = await onlyUpstreamRequest();
    for (const said of ["My name is Ada. Remember it.", "What is my name?", second.output_text])
      expect(upstream.raw_body).toContain(said);
  });

  test("reasoning: summaries and sealed signatures go back to their own vendor only", async () => {
    // Vendors that show their thinking and sign it; the next turn goes to the same vendor, then
    // to one of another family, which must not receive the signature.
    for (const [vendor, other] of [
      ["anthropic", "google"],
      ["google", "bedrock"],
      ["bedrock", "cohere"],
    ] as const) {
      const first = await openai.responses.create({
        model: `@${vendor}`,
        input: "Think about it",
        reasoning: { effort: "low", summary: "auto" },
      });
      const reasoning = first.output.find((item) => item.type === "reasoning");
      if (reasoning?.type !== "reasoning") throw new Error(`${vendor}: no reasoning item`);
      expect(reasoning.summary[0]?.text.length).toBeGreaterThan(0);
      const sealed = reasoning.encrypted_content ?? "";
      expect(sealed).toMatch(/^mlx:v1:[a-z]+:./);
      const signature = sealed.replace(/^mlx:v1:[a-z]+:/, "");

      await resetCalls();
      const same = await openai.responses.create({
        model: `@${vendor}`,
        previous_response_id: first.id,
        input: "And now?",
        reasoning: { effort: "low" },
      });
      expect(same.status).toBe("completed");
      expect({
        vendor,
        signed: (await onlyUpstreamRequest()).raw_body.includes(signature),
      }).toEqual({ vendor, signed: true });

      await resetCalls();
      const moved = await openai.responses.create({
        model: `@${other}`,
        previous_response_id: same.id,
        input: "Once more",
      });
      expect(moved.status).toBe("completed");
      const foreign = (await onlyUpstreamRequest()).raw_body;
      expect({ other, leaked: foreign.includes(signature) }).toEqual({ other, leaked: false });
      expect(foreign).toContain("Think about it");
    }
  });

  test("errors come in OpenAI's shape: an unknown response id, an unknown model", async () => {
    const missing = await openai.responses.retrieve("resp_doesnotexist").catch((error) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const unknownPrevious = await openai.responses
      .create({ model: "@openai", previous_response_id: "resp_doesnotexist", input: "hi" })
      .catch((error) => error);
    // OpenAI: 400 previous_response_not_found on param previous_response_id.
    expect(unknownPrevious).toBeInstanceOf(OpenAI.BadRequestError);
    expect(unknownPrevious.param).toBe("previous_response_id");
    const noModel = await openai.responses
      .create({ model: "nowhere/none", input: "hi" })
      .catch((error) => error);
    expect(noModel).toBeInstanceOf(OpenAI.BadRequestError);
  });
});
