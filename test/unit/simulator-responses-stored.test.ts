// The simulator's stored Responses API and what surrounds it, checked with the official `openai`
// SDK: retrieve, input_items, delete, background and cancel, tenants, faults in and out of
// streams, Azure's two paths through AzureOpenAI, and replayed recordings.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI, { AzureOpenAI } from "openai";
import type { CallLogSnapshot } from "../../simulator/common/call-log.ts";
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

describe("stored responses", () => {
  test("retrieve, input_items.list (limit, order, after) and delete", async () => {
    const created = await openai.responses.create({
      model: "gpt-4.1",
      input: [
        { role: "developer", content: "Be exact." },
        { role: "user", content: "One" },
        { role: "user", content: [{ type: "input_text", text: "Two" }] },
      ],
    });
    const retrieved = await openai.responses.retrieve(created.id);
    expect(retrieved.output).toEqual(created.output);
    expect(retrieved.usage).toEqual(created.usage);

    const descending = await openai.responses.inputItems.list(created.id, { limit: 2 });
    const texts = (items: typeof descending.data) =>
      items.map((item) =>
        item.type === "message" && item.content[0]?.type === "input_text"
          ? item.content[0].text
          : "",
      );
    expect(texts(descending.data)).toEqual(["Two", "One"]);
    expect(descending.has_more).toBe(true);
    const rest = await openai.responses.inputItems.list(created.id, {
      limit: 2,
      after: descending.data.at(-1)?.id,
    });
    expect(texts(rest.data)).toEqual(["Be exact."]);
    expect(rest.has_more).toBe(false);
    const ascending = await openai.responses.inputItems.list(created.id, { order: "asc" });
    expect(texts(ascending.data)).toEqual(["Be exact.", "One", "Two"]);

    const deleted = await openai.responses.delete(created.id);
    expect(deleted).toMatchObject({ id: created.id, object: "response.deleted", deleted: true });
    const raw = await fetch(`${simulator.url}/v1/responses/${created.id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer sk-one" },
    });
    expect(raw.status).toBe(404);
    expect((await errorOf(openai.responses.retrieve(created.id))).status).toBe(404);
  });

  test("DELETE answers OpenAI's deletion object", async () => {
    const created = await openai.responses.create({ model: "gpt-4.1", input: "Hi" });
    const response = await fetch(`${simulator.url}/v1/responses/${created.id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer sk-one" },
    });
    expect(await response.json()).toEqual({
      id: created.id,
      object: "response.deleted",
      deleted: true,
    });
  });

  test("background: queued, then in_progress, then completed as it is read; cancel", async () => {
    const created = await openai.responses.create({
      model: "o3",
      input: "Long task",
      background: true,
    });
    expect(created.status).toBe("queued");
    expect(created.output).toEqual([]);
    expect((await openai.responses.retrieve(created.id)).status).toBe("in_progress");
    const done = await openai.responses.retrieve(created.id);
    expect(done.status).toBe("completed");
    expect(done.output_text.length).toBeGreaterThan(0);
    // Cancelling a finished background response is idempotent: it comes back as it is.
    expect((await openai.responses.cancel(created.id)).status).toBe("completed");

    const other = await openai.responses.create({
      model: "o3",
      input: "Another",
      background: true,
    });
    const cancelled = await openai.responses.cancel(other.id);
    expect(cancelled.status).toBe("cancelled");
    expect((await openai.responses.retrieve(other.id)).status).toBe("cancelled");

    const synchronous = await openai.responses.create({ model: "gpt-4.1", input: "Hi" });
    expect((await errorOf(openai.responses.cancel(synchronous.id))).status).toBe(400);
    const stateless = await errorOf(
      openai.responses.create({ model: "o3", input: "x", background: true, store: false }),
    );
    expect(stateless.param).toBe("background");
  });

  test("the background pace is set with PUT /_sim/responses", async () => {
    const put = (polls: number) =>
      fetch(`${simulator.url}/_sim/responses`, {
        method: "PUT",
        body: JSON.stringify({ background_polls: polls }),
      });
    expect((await put(2)).status).toBe(200);
    try {
      const created = await openai.responses.create({ model: "o3", input: "x", background: true });
      const statuses = [];
      for (let read = 0; read < 4; read++)
        statuses.push((await openai.responses.retrieve(created.id)).status);
      expect(statuses).toEqual(["queued", "in_progress", "in_progress", "completed"]);
    } finally {
      await put(1);
    }
  });

  test("a background stream is replayed by GET ?stream=true, from starting_after", async () => {
    const stream = await openai.responses.create({
      model: "gpt-4.1",
      input: "Hello",
      background: true,
      stream: true,
    });
    const original: Array<{ type: string; sequence_number: number }> = [];
    let id = "";
    for await (const event of stream) {
      original.push(event);
      if (event.type === "response.created") {
        id = event.response.id;
        expect(event.response.status).toBe("queued");
      }
    }
    expect(original.map((event) => event.type).slice(0, 3)).toEqual([
      "response.created",
      "response.queued",
      "response.in_progress",
    ]);
    const replay = await openai.responses.retrieve(id, { stream: true, starting_after: 2 });
    const replayed: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of replay) replayed.push(event);
    expect(replayed).toEqual(original.slice(3));
    expect((await openai.responses.retrieve(id)).status).toBe("completed");

    const plain = await openai.responses.create({ model: "gpt-4.1", input: "Hello" });
    expect((await errorOf(openai.responses.retrieve(plain.id, { stream: true }))).status).toBe(400);
  });

  test("two API keys never see each other's responses", async () => {
    const other = new OpenAI({ apiKey: "sk-two", baseURL: `${simulator.url}/v1`, maxRetries: 0 });
    const mine = await openai.responses.create({ model: "gpt-4.1", input: "Mine" });
    expect((await errorOf(other.responses.retrieve(mine.id))).status).toBe(404);
    expect((await errorOf(other.responses.inputItems.list(mine.id))).status).toBe(404);
    expect((await errorOf(other.responses.delete(mine.id))).status).toBe(404);
    const chained = await errorOf(
      other.responses.create({ model: "gpt-4.1", input: "Next", previous_response_id: mine.id }),
    );
    expect(chained.code).toBe("previous_response_not_found");
    expect((await openai.responses.retrieve(mine.id)).id).toBe(mine.id);
  });

  test("an unknown previous_response_id is a BadRequestError naming the parameter", async () => {
    const error = await errorOf(
      openai.responses.create({ model: "gpt-4.1", input: "Hi", previous_response_id: "resp_nope" }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe("previous_response_id");
    expect(error.code).toBe("previous_response_not_found");
    expect(error.message).toContain("Previous response with id 'resp_nope' not found.");
  });
});

describe("faults", () => {
  const fault = (body: Record<string, unknown>) =>
    fetch(`${simulator.url}/_sim/faults`, { method: "POST", body: JSON.stringify(body) });

  test("a status fault: an HTTP error the SDK types", async () => {
    await fault({ model: "gpt-4.1", status: 429 });
    const error = await errorOf(openai.responses.create({ model: "gpt-4.1", input: "x" }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });

  test("in_stream: error then response.failed inside a 200 stream, as OpenAI fails mid-way", async () => {
    const quota = {
      error: {
        type: "insufficient_quota",
        code: "insufficient_quota",
        message: "You exceeded your current quota.",
      },
    };
    await fault({ model: "gpt-4.1", status: 429, body: quota, in_stream: true, count: 2 });
    const response = await post("/v1/responses", { model: "gpt-4.1", input: "x", stream: true });
    expect(response.status).toBe(200);
    const events = parseServerSentEvents(await response.text());
    expect(events.map((event) => event.event)).toEqual([
      "response.created",
      "response.in_progress",
      "error",
      "response.failed",
    ]);
    const failed = JSON.parse(events[3]?.data ?? "{}").response;
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({
      code: "insufficient_quota",
      message: "You exceeded your current quota.",
    });

    const error = await errorOf(
      openai.responses.stream({ model: "gpt-4.1", input: "x" }).finalResponse(),
    );
    expect(error.message).toContain("You exceeded your current quota.");
  });

  test("a stream cut mid-way ends before response.completed", async () => {
    await fault({ model: "gpt-4.1", cut_after_chunks: 4 });
    const response = await post("/v1/responses", { model: "gpt-4.1", input: "x", stream: true });
    let text = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>)
        text += decoder.decode(chunk);
    } catch {
      // The connection drops: that is the fault.
    }
    const types = parseServerSentEvents(text).map((event) => event.event);
    expect(types).toHaveLength(4);
    expect(types).not.toContain("response.completed");
  });
});

describe("Azure's Responses paths", () => {
  test("AzureOpenAI: /openai/responses?api-version=…, api-key, content_filters", async () => {
    const azure = new AzureOpenAI({
      endpoint: simulator.url,
      apiKey: "azure-key",
      apiVersion: "2025-04-01-preview",
      maxRetries: 0,
    });
    const response = await azure.responses.create({ model: "my-gpt-4o", input: "Hello" });
    expect(response.model).toBe("my-gpt-4o");
    expect(response.output_text.length).toBeGreaterThan(0);
    const filters = (response as unknown as { content_filters: Array<{ source_type: string }> })
      .content_filters;
    expect(filters.map((filter) => filter.source_type)).toEqual(["prompt", "completion"]);
    const calls = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as CallLogSnapshot;
    expect(calls.last.azure?.path).toBe("/openai/responses?api-version=2025-04-01-preview");
    expect(calls.last.azure?.headers["api-key"]).toBe("azure-key");
    expect((await azure.responses.retrieve(response.id)).id).toBe(response.id);
  });

  test("the v1 surface: /openai/v1/responses with no api-version, the key as bearer or api-key", async () => {
    const v1 = new OpenAI({
      apiKey: "azure-key",
      baseURL: `${simulator.url}/openai/v1`,
      maxRetries: 0,
    });
    const response = await v1.responses.create({ model: "my-gpt-4o", input: "Hello", store: true });
    const viaApiKey = await fetch(`${simulator.url}/openai/v1/responses/${response.id}`, {
      headers: { "api-key": "azure-key" },
    });
    expect(viaApiKey.status).toBe(200);
    // OpenAI's own endpoint keeps its own tenants: the Azure response is not there.
    const onOpenAi = new OpenAI({
      apiKey: "azure-key",
      baseURL: `${simulator.url}/v1`,
      maxRetries: 0,
    });
    expect((await errorOf(onOpenAi.responses.retrieve(response.id))).status).toBe(404);
    const noVersion = await post("/openai/responses", { model: "m", input: "x" }, "azure-key");
    expect(noVersion.status).toBe(400);
  });
});

describe("replay of recorded Responses", () => {
  async function arm(format: string, recording: string): Promise<void> {
    const response = await fetch(`${simulator.url}/_sim/replay`, {
      method: "POST",
      body: JSON.stringify({ format, recording }),
    });
    expect(response.status).toBe(201);
  }

  test("openai/responses/openai-web-search-tool.1 served to responses.create", async () => {
    await arm("openai", "openai/responses/openai-web-search-tool.1");
    const response = await openai.responses.create({
      model: "gpt-5-mini",
      input: "What happened in tech today?",
      tools: [{ type: "web_search" }],
    });
    expect(response.id).toBe("resp_0953eda47ee17412006933306199c88195b44f9cf2986e1d5b");
    expect(response.output.filter((item) => item.type === "web_search_call")).toHaveLength(3);
  });

  test("azure/azure-text.1 streamed through AzureOpenAI and the SDK's stream helper", async () => {
    await arm("azure", "azure/azure-text.1");
    const azure = new AzureOpenAI({
      endpoint: simulator.url,
      apiKey: "azure-key",
      apiVersion: "2025-04-01-preview",
      maxRetries: 0,
    });
    const final = await azure.responses.stream({ model: "gpt-5.1", input: "Hi" }).finalResponse();
    expect(final.id).toBe("resp_02ce8deeb6197db200698c5196e9588197a572bbea62d38cd1");
    expect(final.output_text).toBe("Hello");
  });
});
