// The Responses surface end to end on one data plane (the gateway harness, the simulator behind
// a recording proxy so each upstream body can be read): passthrough to OpenAI with the client's
// body, translation to Claude and Gemini plain and streamed, previous_response_id chains that
// move between vendors, store: false, the stored response's endpoints and tenant isolation,
// built-in tools and background on a vendor without them, a budget's 402, the cost header, dry run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import { spendKey } from "../../dataplane/budgets/budget-ledger.ts";
import type { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { waitUntil } from "../support/wait.ts";

interface Captured {
  path: string;
  body: Record<string, unknown>;
  text: string;
}

/** In front of the simulator: `/<vendor>/<path>` goes to the simulator's `/<path>`, recorded. */
function startRecordingProxy() {
  const captured: Captured[] = [];
  let target = "";
  /** When set, the next upstream body is read whole and rewritten by it (then it is unset). */
  let rewrite: ((text: string) => string) | null = null;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      const path = url.pathname.replace(/^\/[^/]+/, "");
      const text = request.method === "POST" ? await request.text() : "";
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text);
      } catch {}
      captured.push({ path, body, text });
      const headers = new Headers(request.headers);
      headers.delete("host");
      const upstream = await fetch(`${target}${path}${url.search}`, {
        method: request.method,
        headers,
        ...(request.method === "POST" && { body: text }),
      });
      const change = rewrite;
      if (change === null) return upstream;
      rewrite = null;
      return new Response(change(await upstream.text()), {
        status: upstream.status,
        headers: { "content-type": upstream.headers.get("content-type") ?? "text/plain" },
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    captured,
    setTarget: (url: string) => {
      target = url;
    },
    rewriteNext: (change: (text: string) => string) => {
      rewrite = change;
    },
    stop: () => server.stop(true),
  };
}

const MONTH = periodKey(periodWindow("monthly", Date.now()).startMs);

let harness: GatewayHarness;
let proxy: ReturnType<typeof startRecordingProxy>;
let openai: OpenAI;

beforeAll(() => {
  proxy = startRecordingProxy();
  harness = startGatewayHarness({
    vendors: {
      openai: { baseUrl: `${proxy.url}/openai/v1` },
      anthropic: { baseUrl: `${proxy.url}/anthropic/v1` },
      google: { baseUrl: `${proxy.url}/google/v1beta` },
    },
    routingConfigs: {
      mixed: {
        strategy: "fallback",
        attempts: [{ model: "openai/gpt-4o-mini" }, { model: "anthropic/claude-sonnet-4-5" }],
      },
    },
    budgets: [
      { name: "broke", scope_type: "customer", scope_value: "broke-user", cap_usd: 1 },
      { name: "later", scope_type: "customer", scope_value: "background-user", cap_usd: 100 },
    ],
  });
  proxy.setTarget(harness.simulator.url);
  openai = openAiClient(harness);
});

afterAll(async () => {
  await harness.stop();
  proxy.stop();
});

async function post(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.baseUrl}/openai/v1/responses`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${HARNESS_KEY}`,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: an answer's JSON, read field by field
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, json, text };
}

async function call(method: string, path: string) {
  const response = await fetch(`${harness.baseUrl}/openai/v1/responses${path}`, {
    method,
    headers: { authorization: `Bearer ${HARNESS_KEY}` },
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

/** What the upstream was sent by the last call whose path ends with `suffix`. */
function lastUpstream(suffix: string): Captured {
  const found = proxy.captured.findLast((entry) => entry.path.endsWith(suffix));
  if (!found) throw new Error(`no upstream call to …${suffix}`);
  return found;
}

const traceOf = (headers: Headers) =>
  (harness.context.traces as RecentTraces).find(headers.get("x-modelux-request-id") ?? "");

/** SSE text → the events' JSON, in order. */
function events(text: string): Array<Record<string, any>> {
  return text
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => JSON.parse(block.slice(block.indexOf("data: ") + 6)));
}

describe("passthrough to OpenAI", () => {
  test("the client's body reaches /responses with only model replaced; usage, cost and trace", async () => {
    const body = {
      model: "@openai",
      input: [{ role: "user", content: [{ type: "input_text", text: "Say hi" }] }],
      service_tier: "flex",
      prompt_cache_key: "k-1",
      safety_identifier: "user-7",
      truncation: "auto",
      text: { verbosity: "low" },
      max_tool_calls: 3,
      top_logprobs: 2,
      include: ["message.output_text.logprobs"],
      metadata: { ticket: "42" },
      tools: [{ type: "web_search" }],
    };
    const answer = await post(body);
    expect(answer.status).toBe(200);
    const sent = lastUpstream("/v1/responses");
    expect(sent.text).toBe(JSON.stringify({ ...body, model: "gpt-4o-mini" }));
    expect(answer.json).toMatchObject({ object: "response", status: "completed" });
    expect(answer.headers.get("x-modelux-provider-used")).toBe("openai");
    expect(answer.headers.get("x-modelux-warnings")).toBeNull();
    expect(Number(answer.headers.get("x-modelux-cost-usd"))).toBeGreaterThan(0);
    const usage = answer.json.usage as { input_tokens: number; output_tokens: number };
    const trace = traceOf(answer.headers);
    expect(trace?.surface).toBe("responses");
    expect(trace?.fast_path).toBe(true);
    expect(trace?.usage).toMatchObject({
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
    });
  });

  test("a field the gateway does not know reaches the upstream; its refusal comes back in the closed set", async () => {
    const body = { model: "@openai", input: "hi", some_future_field: { nested: [1, "two", null] } };
    const answer = await post(body);
    expect(lastUpstream("/v1/responses").text).toBe(
      JSON.stringify({ ...body, model: "gpt-4o-mini" }),
    );
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({
      type: "invalid_request_error",
      param: "some_future_field",
    });
    expect(answer.json.error.message).toStartWith("openai/gpt-4o-mini: ");
  });

  test("streamed: the upstream's events as sent, usage read from response.completed", async () => {
    const body = { model: "@openai", input: "Say hi", stream: true, metadata: { a: "b" } };
    const answer = await post(body);
    expect(answer.status).toBe(200);
    expect(lastUpstream("/v1/responses").text).toBe(
      JSON.stringify({ ...body, model: "gpt-4o-mini" }),
    );
    const sent = events(answer.text);
    const completed = sent.find((event) => event.type === "response.completed");
    expect(completed).toBeDefined();
    expect(traceOf(answer.headers)?.usage).toMatchObject({
      inputTokens: completed?.response.usage.input_tokens,
      outputTokens: completed?.response.usage.output_tokens,
    });
  });

  test("streamed: the stored response is the upstream's JSON byte for byte, in its org only", async () => {
    // Written as JSON.stringify would not: spacing, an escape, a number's own spelling.
    let sentResponse = "";
    proxy.rewriteNext((text) =>
      text.replace(/^data: (\{"type":"response\.completed".*)$/m, (_line, data: string) => {
        const payload = JSON.parse(data) as { sequence_number: number; response: object };
        sentResponse = `{ "x_note" : "caf\\u00e9", "x_amount": 1.50,${JSON.stringify(payload.response).slice(1)}`;
        return `data: {"type":"response.completed","sequence_number":${payload.sequence_number},"response":${sentResponse}}`;
      }),
    );
    const answer = await post({ model: "@openai", input: "Say hi", stream: true });
    expect(answer.status).toBe(200);
    expect(sentResponse).not.toBe("");
    expect(answer.text).toContain(sentResponse);
    const id = (JSON.parse(sentResponse) as { id: string }).id;
    let stored: Response | null = null;
    await waitUntil(async () => {
      stored = await fetch(`${harness.baseUrl}/openai/v1/responses/${id}`, {
        headers: { authorization: `Bearer ${HARNESS_KEY}` },
      });
      return stored.status === 200;
    });
    expect(await (stored as unknown as Response).text()).toBe(sentResponse);
    const key = { orgId: "org_other", namespace: "responses" as const, id };
    expect(await harness.context.state.getJson(key)).toBeNull();
    expect(await harness.context.state.get(key)).toBeNull();
  });
});

describe("translated for vendors without the Responses API", () => {
  for (const [slug, path] of [
    ["@anthropic", "/v1/messages"],
    ["@google", ":generateContent"],
  ] as const) {
    test(`${slug}: a Response object, then the same as a stream, through the openai SDK`, async () => {
      const response = await openai.responses.create({
        model: slug,
        instructions: "Answer briefly.",
        input: "What is the capital of France?",
        max_output_tokens: 64,
      });
      expect(response.id).toStartWith("resp_mlx");
      expect(response.status).toBe("completed");
      expect(response.output_text.length).toBeGreaterThan(0);
      expect(response.usage?.output_tokens).toBeGreaterThan(0);
      expect(proxy.captured.findLast((entry) => entry.path.includes(path))).toBeDefined();

      const stream = openai.responses.stream({ model: slug, input: "Count to three." });
      const types: string[] = [];
      let deltas = "";
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "response.output_text.delta") deltas += event.delta;
      }
      const final = await stream.finalResponse();
      expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
      expect(types[types.length - 1]).toBe("response.completed");
      expect(final.output_text).toBe(deltas);
      expect(final.usage?.input_tokens).toBeGreaterThan(0);
    });
  }

  test("a built-in tool is a 400 naming it, or dropped with a warning when the request says so", async () => {
    const body = {
      model: "@anthropic",
      input: "Search the news",
      tools: [
        { type: "web_search" },
        { type: "function", name: "lookup", parameters: { type: "object" } },
      ],
    };
    const refused = await post(body);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ type: "invalid_request_error", param: "tools[0]" });
    expect(refused.json.error.message).toContain("web_search");
    const dropped = await post(body, { "x-modelux-unsupported-tools": "drop" });
    expect(dropped.status).toBe(200);
    expect(dropped.headers.get("x-modelux-warnings")).toContain("dropped-tool:tools[0].web_search");
    const sentTools = lastUpstream("/v1/messages").body.tools as Array<{ name: string }>;
    expect(sentTools.map((tool) => tool.name)).toEqual(["lookup"]);
    const background = await post({ model: "@anthropic", input: "x", background: true });
    expect(background.status).toBe(400);
    expect(background.json.error.param).toBe("background");
    const header = await post(body, { "x-modelux-unsupported-tools": "maybe" });
    expect(header.json.error.param).toBe("X-Modelux-Unsupported-Tools");
  });
});

describe("reasoning round trips", () => {
  test("Claude's reasoning item sent back goes to Claude with its signature, to Gemini without", async () => {
    const first = await openai.responses.create({
      model: "@anthropic",
      input: "Think about 2+2.",
      reasoning: { effort: "low", summary: "auto" },
      max_output_tokens: 2000,
    });
    const reasoning = first.output.find((item) => item.type === "reasoning");
    expect(reasoning?.summary[0]?.text.length).toBeGreaterThan(0);
    expect(reasoning?.encrypted_content).toStartWith("mlx:v1:claude:");
    const signature = reasoning?.encrypted_content?.slice("mlx:v1:claude:".length);
    const input = [
      { role: "user" as const, content: "Think about 2+2." },
      ...first.output,
      { role: "user" as const, content: "And 3+3?" },
    ];
    await openai.responses.create({
      model: "@anthropic",
      input: input as never,
      reasoning: { effort: "low" },
    });
    const claude = lastUpstream("/v1/messages").body.messages as Array<{
      role: string;
      content: Array<Record<string, unknown>>;
    }>;
    expect(claude[1]?.content[0]).toMatchObject({ type: "thinking", signature });

    const gemini = await post({ model: "@google", input });
    expect(gemini.status).toBe(200);
    expect(gemini.headers.get("x-modelux-warnings")).toContain("foreign-signature");
    expect(JSON.stringify(lastUpstream(":generateContent").body)).not.toContain(String(signature));
  });
});

describe("reasoning.summary on translated targets", () => {
  test.each(["anthropic", "google"])(
    "%s: summaries streamed when asked (auto, concise, detailed), none without; the item goes back whole",
    async (vendor) => {
      for (const summary of ["auto", "concise", "detailed"] as const) {
        const stream = await openai.responses.create({
          model: `@${vendor}`,
          input: "Think about 2+2.",
          reasoning: { effort: "low", summary },
          max_output_tokens: 2000,
          stream: true,
        });
        const deltas: string[] = [];
        for await (const event of stream)
          if (event.type === "response.reasoning_summary_text.delta") deltas.push(event.delta);
        expect({ summary, thought: deltas.join("").length > 0 }).toEqual({
          summary,
          thought: true,
        });
      }

      const stream = await openai.responses.create({
        model: `@${vendor}`,
        input: "Think about 2+2.",
        reasoning: { effort: "low" },
        max_output_tokens: 2000,
        stream: true,
      });
      const types = new Set<string>();
      let final: OpenAI.Responses.Response | null = null;
      for await (const event of stream) {
        types.add(event.type);
        if (event.type === "response.completed") final = event.response;
      }
      expect([...types].filter((type) => type.includes("reasoning_summary"))).toEqual([]);
      const reasoning = final?.output.find((item) => item.type === "reasoning");
      if (reasoning?.type !== "reasoning") throw new Error(`${vendor}: no reasoning item`);
      expect(reasoning.summary).toEqual([]);
      expect(reasoning.encrypted_content).toStartWith("mlx:v1:");

      // Sent back to its vendor, the thinking goes with its text (sealed in the item) and signature.
      await openai.responses.create({
        model: `@${vendor}`,
        input: [
          { role: "user", content: "Think about 2+2." },
          ...(final?.output ?? []),
          { role: "user", content: "And 3+3?" },
        ] as never,
        reasoning: { effort: "low" },
      });
      const sent =
        vendor === "anthropic"
          ? JSON.stringify(lastUpstream("/v1/messages").body.messages)
          : JSON.stringify(lastUpstream(":generateContent").body.contents);
      const thought =
        vendor === "anthropic" ? /"type":"thinking","thinking":"[^"]+"/ : /"thought":true/;
      expect(sent).toMatch(thought);
    },
  );
});

describe("previous_response_id across vendors", () => {
  test("a chain moves OpenAI → Claude → OpenAI: each upstream gets what it can read", async () => {
    const first = await openai.responses.create({ model: "@openai", input: "My name is Ada." });
    const second = await openai.responses.create({
      model: "@anthropic",
      input: "What is my name?",
      previous_response_id: first.id,
    });
    // Claude gets the whole conversation as messages: the first turn, its answer, the question.
    const claude = lastUpstream("/v1/messages").body.messages as Array<{
      role: string;
      content: unknown;
    }>;
    expect(JSON.stringify(claude[0])).toContain("My name is Ada.");
    expect(claude[1]?.role).toBe("assistant");
    expect(JSON.stringify(claude[1])).toContain(first.output_text.slice(0, 20));
    expect(JSON.stringify(claude[2])).toContain("What is my name?");

    const third = await openai.responses.create({
      model: "@openai",
      input: "And again?",
      previous_response_id: second.id,
    });
    // OpenAI does not hold Claude's turn: the chain goes as items, without previous_response_id.
    const expanded = lastUpstream("/v1/responses").body;
    expect(expanded.previous_response_id).toBeUndefined();
    const text = JSON.stringify(expanded.input);
    for (const part of [
      "My name is Ada.",
      "What is my name?",
      second.output_text.slice(0, 20),
      "And again?",
    ])
      expect(text).toContain(part);
    // The client is told the id it sent, plain and streamed, as the store keeps it.
    expect(third.previous_response_id).toBe(second.id);
    expect((await call("GET", `/${third.id}`)).json.previous_response_id).toBe(second.id);
    const streamed = await post({
      model: "@openai",
      input: "Stream it.",
      previous_response_id: second.id,
      stream: true,
    });
    const withResponse = events(streamed.text).filter((event) => event.response);
    expect(withResponse.map((event) => event.response.previous_response_id)).toEqual(
      withResponse.map(() => second.id),
    );

    // The provider that made a response gets its id as it is.
    await openai.responses.create({
      model: "@openai",
      input: "Once more",
      previous_response_id: first.id,
    });
    expect(lastUpstream("/v1/responses").body).toMatchObject({
      previous_response_id: first.id,
      input: "Once more",
    });
  });

  test("through one config: the fallback that serves a turn reads the chain the other made", async () => {
    const first = await openai.responses.create({ model: "@mixed", input: "Remember: blue." });
    await fetch(`${harness.simulator.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", status: 503, count: 1 }),
    });
    const second = await openai.responses.create({
      model: "@mixed",
      input: "Which colour?",
      previous_response_id: first.id,
    });
    expect(second.model).toBe("claude-sonnet-4-5");
    expect(JSON.stringify(lastUpstream("/v1/messages").body.messages)).toContain("Remember: blue.");
  });

  test("an id the gateway does not hold goes to an OpenAI-family upstream as it is; the upstream decides", async () => {
    // A response made at OpenAI directly (here: the simulator, with the provider's credential).
    const direct = await fetch(`${proxy.url}/openai/v1/responses`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", input: "Remember: green." }),
    });
    const made = (await direct.json()) as { id: string };
    expect(made.id).toStartWith("resp_");
    const body = { model: "@openai", input: "Which colour?", previous_response_id: made.id };
    const continued = await post(body);
    expect(continued.status).toBe(200);
    expect(continued.json.previous_response_id).toBe(made.id);
    // Sent up unchanged (only the model replaced): the upstream holds the chain.
    expect(lastUpstream("/v1/responses").body).toEqual({ ...body, model: "gpt-4o-mini" });
    // The gateway keeps the new turn, so it can be continued on another vendor from here on.
    const stored = await call("GET", `/${continued.json.id}`);
    expect(stored.status).toBe(200);

    // One the upstream does not hold either: its 400, in OpenAI's shape.
    const unknown = await post({ ...body, previous_response_id: "resp_nope" });
    expect(unknown.status).toBe(400);
    expect(lastUpstream("/v1/responses").body.previous_response_id).toBe("resp_nope");
    expect(unknown.json.error.type).toBe("invalid_request_error");

    // A translated target cannot ask anyone: OpenAI's 400, nothing sent up.
    const calls = proxy.captured.length;
    const translated = await post({ ...body, model: "@anthropic" });
    expect(translated.status).toBe(400);
    expect(translated.json.error).toMatchObject({
      code: "previous_response_not_found",
      param: "previous_response_id",
    });
    expect(proxy.captured.length).toBe(calls);
  });

  test("an unknown id is OpenAI's 400 previous_response_not_found", async () => {
    const error = await openai.responses
      .create({ model: "@anthropic", input: "x", previous_response_id: "resp_nope" })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe("previous_response_not_found");
    expect(error.param).toBe("previous_response_id");
  });
});

describe("stored responses", () => {
  test("retrieve, input items, delete; then 404", async () => {
    const created = await openai.responses.create({ model: "@google", input: "Keep this." });
    const stored = (await call("GET", `/${created.id}`)).json;
    expect(stored).toMatchObject({
      id: created.id,
      output: created.output,
      usage: created.usage as never,
    });
    expect(stored.output_text).toBeUndefined();
    const items = await openai.responses.inputItems.list(created.id);
    expect(items.data).toMatchObject([
      { type: "message", role: "user", content: [{ type: "input_text", text: "Keep this." }] },
    ]);
    const replay = await fetch(`${harness.baseUrl}/openai/v1/responses/${created.id}?stream=true`, {
      headers: { authorization: `Bearer ${HARNESS_KEY}` },
    });
    const replayed = events(await replay.text());
    expect(replayed[replayed.length - 1]).toEqual({
      type: "response.completed",
      sequence_number: replayed.length - 1,
      response: stored,
    });
    expect((await call("DELETE", `/${created.id}`)).json).toEqual({
      id: created.id,
      object: "response",
      deleted: true,
    });
    expect((await call("GET", `/${created.id}`)).status).toBe(404);
    const cancel = await call("POST", `/${created.id}/cancel`);
    expect(cancel.status).toBe(404);
  });

  test("include on a stored response: what the gateway kept is shown, anything else a 400 naming it", async () => {
    const created = await openai.responses.create({ model: "@anthropic", input: "Keep this too." });
    const kept = await call("GET", `/${created.id}?include[]=reasoning.encrypted_content`);
    expect(kept.status).toBe(200);
    expect(kept.json.id).toBe(created.id);
    for (const query of ["include[]=message.output_text.logprobs", "include_obfuscation=true"]) {
      const refused = await call("GET", `/${created.id}?${query}`);
      expect(`${query} ${refused.status}`).toBe(`${query} 400`);
      expect(refused.json.error.param).toBe(query.split("=")[0]?.replace("[]", ""));
    }
    const items = await call(
      "GET",
      `/${created.id}/input_items?include[]=message.input_image.image_url`,
    );
    expect(items.status).toBe(200);
    expect(items.json.data).toHaveLength(1);
    const unkept = await call(
      "GET",
      `/${created.id}/input_items?include[]=file_search_call.results`,
    );
    expect(unkept.status).toBe(400);
    expect(unkept.json.error.param).toBe("include");
  });

  test("store: false keeps nothing", async () => {
    const created = await openai.responses.create({
      model: "@anthropic",
      input: "Forget it.",
      store: false,
    });
    expect((created as unknown as { store: boolean }).store).toBe(false);
    expect((await call("GET", `/${created.id}`)).status).toBe(404);
    const chained = await post({
      model: "@anthropic",
      input: "x",
      previous_response_id: created.id,
    });
    expect(chained.json.error.code).toBe("previous_response_not_found");
  });

  test("cancel of a response not run in the background is OpenAI's 400", async () => {
    const created = await openai.responses.create({ model: "@anthropic", input: "Quick." });
    const cancel = await call("POST", `/${created.id}/cancel`);
    expect(cancel.status).toBe(400);
    expect(cancel.json.error.type).toBe("invalid_request_error");
  });

  test("another org's response is not found, by any endpoint", async () => {
    const id = "resp_mlx0123456789abcdef0123456789abcdef";
    await harness.context.state.put(
      { orgId: "org_other", namespace: "responses", id },
      {
        version: 1,
        response: { id, object: "response", status: "completed", output: [] },
        provider: { id: "prv_x", name: "x", vendor: "anthropic" },
      },
    );
    for (const [method, path] of [
      ["GET", `/${id}`],
      ["GET", `/${id}/input_items`],
      ["DELETE", `/${id}`],
      ["POST", `/${id}/cancel`],
    ] as const) {
      const answer = await call(method, path);
      expect(answer.status).toBe(404);
      expect(answer.json.error.message).toBe(`Response with id '${id}' not found.`);
    }
    const chained = await post({ model: "@anthropic", input: "x", previous_response_id: id });
    expect(chained.status).toBe(400);
    expect(
      await harness.context.state.get({ orgId: "org_other", namespace: "responses", id }),
    ).not.toBeNull();
  });

  test("unknown routes and methods under /responses answer JSON in OpenAI's shape", async () => {
    const wrongMethod = await call("PUT", "/resp_1");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.type).toBe("invalid_request_error");
    const unknown = await call("GET", "/resp_1/nothing");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBeDefined();
  });
});

describe("background responses (run by the upstream)", () => {
  test("read from the upstream until they end, then charged once to the budgets of their request", async () => {
    const later = spendKey("bud_1", MONTH);
    const created = await post(
      { model: "@openai", input: "Take your time.", background: true },
      { "x-modelux-user-id": "background-user" },
    );
    expect(created.json.status).toBe("queued");
    const before = harness.context.budgets.view(later);
    const statuses: string[] = [];
    for (let read = 0; read < 6 && statuses[statuses.length - 1] !== "completed"; read++)
      statuses.push((await call("GET", `/${created.json.id}`)).json.status);
    expect(statuses).toContain("in_progress");
    expect(statuses[statuses.length - 1]).toBe("completed");
    expect(lastUpstream(`/responses/${created.json.id}`).path).toBe(
      `/v1/responses/${created.json.id}`,
    );
    const charged = harness.context.budgets.view(later);
    expect(charged).toBeGreaterThan(before);
    await call("GET", `/${created.json.id}`);
    expect(harness.context.budgets.view(later)).toBe(charged);
    const cancel = await call("POST", `/${created.json.id}/cancel`);
    expect(cancel.json.status).toBe("completed");
  });

  test("reads racing at the end charge it once, as one read does", async () => {
    const later = spendKey("bud_1", MONTH);
    const body = { model: "@openai", input: "Race to the end.", background: true };
    const headers = { "x-modelux-user-id": "background-user" };
    /** What the budget gained from one background response read to its end `together` at once. */
    async function chargeOf(together: number): Promise<number> {
      const created = await post(body, headers);
      const before = harness.context.budgets.view(later);
      let status = created.json.status;
      while (status === "queued") status = (await call("GET", `/${created.json.id}`)).json.status;
      const reads = await Promise.all(
        Array.from({ length: together }, () => call("GET", `/${created.json.id}`)),
      );
      expect(reads.some((read) => read.json.status === "completed")).toBe(true);
      return harness.context.budgets.view(later) - before;
    }
    const once = await chargeOf(1);
    expect(once).toBeGreaterThan(0);
    expect(await chargeOf(4)).toBeCloseTo(once, 12);
  });
});

describe("budgets and dry run", () => {
  test("a customer over its budget gets the 402 in OpenAI's shape, and no upstream call", async () => {
    await harness.context.budgets.flush(null);
    harness.context.budgets.applyState({
      version: 1,
      totals: [{ budget_id: "bud_0", period_start: MONTH, usd: 5 }],
      applied: { harness: Number.MAX_SAFE_INTEGER },
    });
    const before = proxy.captured.length;
    const refused = await post(
      { model: "@anthropic", input: "x" },
      { "x-modelux-user-id": "broke-user" },
    );
    expect(refused.status).toBe(402);
    expect(refused.json.error).toMatchObject({
      type: "budget_exceeded",
      code: 402,
      budget: { name: "broke" },
    });
    expect(proxy.captured.length).toBe(before);
  });

  test("X-Modelux-Dry-Run: the plan, plain and as a stream the SDK reads; nothing sent or stored", async () => {
    const before = proxy.captured.length;
    const plain = await post({ model: "@mixed", input: "x" }, { "x-modelux-dry-run": "true" });
    expect(plain.status).toBe(200);
    expect(plain.json).toMatchObject({
      object: "modelux.dry_run",
      would_serve: { provider: "openai", model: "gpt-4o-mini" },
    });
    const stream = await openai.responses.create(
      { model: "@mixed", input: "x", stream: true },
      { headers: { "x-modelux-dry-run": "true" } },
    );
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "mlx:dry_run",
      "response.completed",
    ] as never);
    expect(proxy.captured.length).toBe(before);
  });
});
