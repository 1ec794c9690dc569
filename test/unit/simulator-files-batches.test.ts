// The simulator's file and batch lifecycles, checked with the official SDKs pointed at it:
// OpenAI's files and batches (validating → in_progress → finalizing → completed, cancel, a bad
// input failing, expiry) and Azure's on the v1 surface; Anthropic's message batches (in_progress →
// ended, results as JSONL, cancel, expiry, delete) and Files API, a message citing a file.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic, { toFile as toAnthropicFile } from "@anthropic-ai/sdk";
import OpenAI, { AzureOpenAI, toFile } from "openai";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

let simulator: RunningSimulator;
let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  openai = new OpenAI({ apiKey: "sk-one", baseURL: `${simulator.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "sk-ant-one", baseURL: simulator.url, maxRetries: 0 });
});
afterAll(() => simulator.stop());
beforeEach(async () => {
  await setPace(1);
});

async function setPace(pollsPerState: number) {
  const response = await fetch(`${simulator.url}/_sim/batches`, {
    method: "PUT",
    body: JSON.stringify({ polls_per_state: pollsPerState }),
  });
  expect(response.status).toBe(200);
}

const chatLine = (id: string, text: string) =>
  JSON.stringify({
    custom_id: id,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: text }], max_tokens: 20 },
  });

async function uploadBatchInput(client: OpenAI, lines: string[]) {
  return client.files.create({
    file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "input.jsonl"),
    purpose: "batch",
  });
}

describe("OpenAI files and batches", () => {
  test("a batch moves through every state, one per retrieval, and writes its output file", async () => {
    const input = await uploadBatchInput(openai, [chatLine("a", "hello"), chatLine("b", "world")]);
    expect(input).toMatchObject({ object: "file", purpose: "batch", filename: "input.jsonl" });
    const batch = await openai.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    expect(batch.status).toBe("validating");
    const seen = [batch.status];
    for (let poll = 0; poll < 10 && seen.at(-1) !== "completed"; poll++)
      seen.push((await openai.batches.retrieve(batch.id)).status);
    expect(seen).toEqual(["validating", "in_progress", "finalizing", "completed"]);
    const done = await openai.batches.retrieve(batch.id);
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const output = await (await openai.files.content(done.output_file_id as string)).text();
    const lines = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.custom_id).sort()).toEqual(["a", "b"]);
    expect(lines[0].response.status_code).toBe(200);
    expect(lines[0].response.body.object).toBe("chat.completion");
    expect(lines[0].response.body.usage.completion_tokens).toBeGreaterThan(0);
    expect((await openai.batches.list()).data.map((item) => item.id)).toContain(batch.id);
  });

  test("cancel → cancelling → cancelled; a bad input fails; expiry writes every line as expired", async () => {
    const input = await uploadBatchInput(openai, [chatLine("a", "x")]);
    const batch = await openai.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    expect((await openai.batches.cancel(batch.id)).status).toBe("cancelling");
    expect((await openai.batches.retrieve(batch.id)).status).toBe("cancelled");

    const wrongUrl = await uploadBatchInput(openai, [
      chatLine("a", "x").replace("chat/completions", "embeddings"),
    ]);
    const failing = await openai.batches.create({
      input_file_id: wrongUrl.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    const failed = await openai.batches.retrieve(failing.id);
    expect(failed.status).toBe("failed");
    expect(failed.errors?.data?.[0]?.line).toBe(1);

    const expiring = await openai.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    await fetch(`${simulator.url}/_sim/batches/${expiring.id}/expire`, { method: "POST" });
    const expired = await openai.batches.retrieve(expiring.id);
    expect(expired.status).toBe("expired");
    const errors = await (await openai.files.content(expired.error_file_id as string)).text();
    expect(JSON.parse(errors.trim()).error.code).toBe("batch_expired");
  });

  test("files stay with the key that uploaded them; delete removes one", async () => {
    const file = await openai.files.create({
      file: await toFile(Buffer.from("notes"), "notes.txt"),
      purpose: "user_data",
    });
    const other = new OpenAI({ apiKey: "sk-two", baseURL: `${simulator.url}/v1`, maxRetries: 0 });
    expect(await other.files.retrieve(file.id).catch((error) => error)).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    expect((await other.files.list()).data).toEqual([]);
    expect(await (await openai.files.content(file.id)).text()).toBe("notes");
    expect(await openai.files.delete(file.id)).toEqual({
      id: file.id,
      object: "file",
      deleted: true,
    });
    expect(await openai.files.retrieve(file.id).catch((error) => error)).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });

  test("Azure's v1 surface keeps files and runs batches too (pace 0: done on the first retrieval)", async () => {
    await setPace(0);
    const azure = new AzureOpenAI({
      apiKey: "azure-one",
      endpoint: simulator.url,
      apiVersion: "preview",
      maxRetries: 0,
    });
    // The v1 surface takes no deployment in the path: the SDK's baseURL is set to it.
    azure.baseURL = `${simulator.url}/openai/v1`;
    const input = await uploadBatchInput(azure, [chatLine("a", "hi")]);
    const batch = await azure.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    expect((await azure.batches.retrieve(batch.id)).status).toBe("completed");
    expect(await openai.files.retrieve(input.id).catch((error) => error)).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });
});

describe("Anthropic message batches and files", () => {
  const params = (text: string) => ({
    model: "claude-sonnet-4-5",
    max_tokens: 30,
    messages: [{ role: "user" as const, content: text }],
  });

  test("a batch is in progress, then ended with one result per request, read as JSONL", async () => {
    const batch = await anthropic.messages.batches.create({
      requests: [
        { custom_id: "one", params: params("hello") },
        { custom_id: "two", params: { ...params("x"), max_tokens: 0 } },
      ],
    });
    expect(batch).toMatchObject({ type: "message_batch", processing_status: "in_progress" });
    expect(batch.request_counts.processing).toBe(2);
    const ended = await anthropic.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts).toMatchObject({ succeeded: 1, errored: 1 });
    const results = [];
    for await (const result of await anthropic.messages.batches.results(batch.id))
      results.push(result);
    const byId = Object.fromEntries(results.map((result) => [result.custom_id, result.result]));
    expect(byId.one?.type).toBe("succeeded");
    if (byId.one?.type === "succeeded")
      expect(byId.one.message.usage.output_tokens).toBeGreaterThan(0);
    expect(byId.two?.type).toBe("errored");
    expect(await anthropic.messages.batches.delete(batch.id)).toEqual({
      id: batch.id,
      type: "message_batch_deleted",
    });
  });

  test("cancel ends with every request canceled; expiry with every request expired", async () => {
    const batch = await anthropic.messages.batches.create({
      requests: [{ custom_id: "one", params: params("hello") }],
    });
    expect(
      await anthropic.messages.batches.delete(batch.id).catch((error) => error),
    ).toBeInstanceOf(Anthropic.BadRequestError);
    expect((await anthropic.messages.batches.cancel(batch.id)).processing_status).toBe("canceling");
    expect((await anthropic.messages.batches.retrieve(batch.id)).request_counts.canceled).toBe(1);
    const expiring = await anthropic.messages.batches.create({
      requests: [{ custom_id: "one", params: params("hello") }],
    });
    await fetch(`${simulator.url}/_sim/batches/${expiring.id}/expire`, { method: "POST" });
    expect((await anthropic.messages.batches.retrieve(expiring.id)).request_counts.expired).toBe(1);
  });

  test("an uploaded file can be cited by a message of the same key only", async () => {
    const file = await anthropic.beta.files.upload({
      file: await toAnthropicFile(Buffer.from("The answer is 42."), "facts.txt", {
        type: "text/plain",
      }),
    });
    expect(file).toMatchObject({ type: "file", filename: "facts.txt", size_bytes: 17 });
    const cite = (client: Anthropic) =>
      client.beta.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 30,
        betas: ["files-api-2025-04-14"],
        messages: [
          {
            role: "user",
            content: [
              { type: "document", source: { type: "file", file_id: file.id } },
              { type: "text", text: "What is the answer?" },
            ],
          },
        ],
      });
    expect((await cite(anthropic)).type).toBe("message");
    const other = new Anthropic({ apiKey: "sk-ant-two", baseURL: simulator.url, maxRetries: 0 });
    expect(await cite(other).catch((error) => error)).toBeInstanceOf(Anthropic.NotFoundError);
    expect((await anthropic.beta.files.list()).data.map((item) => item.id)).toContain(file.id);
    const downloaded = await anthropic.beta.files.download(file.id);
    expect(await downloaded.text()).toBe("The answer is 42.");
    expect((await anthropic.beta.files.delete(file.id)).type).toBe("file_deleted");
  });
});
