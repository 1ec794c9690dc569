// The simulator's replay mode: `POST /_sim/replay` arms the next calls of a wire format to answer
// with a recording from test/fixtures/provider-recordings, byte for byte (a `.json` body as
// stored; a `.chunks.txt` as SSE, or as Bedrock event-stream frames); paths outside the root are
// refused. The official SDKs' parsing of replayed recordings is in simulator-replay-sdk.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { parseServerSentEvents } from "../../simulator/testing/server-sent-events.ts";

const ROOT = new URL("../fixtures/provider-recordings/", import.meta.url);
const stored = (path: string) => Bun.file(new URL(path, ROOT));
const storedLines = async (path: string) =>
  (await stored(path).text()).split("\n").filter((line) => line !== "");

let simulator: RunningSimulator;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
});
afterAll(() => simulator.stop());
beforeEach(() => fetch(`${simulator.url}/_sim/replay`, { method: "DELETE" }));

const arm = (body: unknown) =>
  fetch(`${simulator.url}/_sim/replay`, { method: "POST", body: JSON.stringify(body) });

const chat = (stream: boolean, headers: Record<string, string> = {}) =>
  fetch(`${simulator.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer sk-test", "content-type": "application/json", ...headers },
    body: JSON.stringify({
      model: "gpt-4.1-nano",
      messages: [{ role: "user", content: "Hi" }],
      stream,
    }),
  });

const messages = (stream: boolean) =>
  fetch(`${simulator.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "sk-ant", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
      stream,
    }),
  });

describe("serving recordings", () => {
  test("a .json recording comes back exactly as stored, once", async () => {
    const armed = await arm({ format: "openai", recording: "openai/chat/openai-text.json" });
    expect(armed.status).toBe(201);
    expect(await armed.json()).toEqual({
      replays: [
        {
          format: "openai",
          recording: "openai/chat/openai-text.json",
          json: "openai/chat/openai-text.json",
          chunks: null,
          count: 1,
        },
      ],
    });
    const response = await chat(false);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-simulator-replay")).toBe("openai/chat/openai-text.json");
    const expected = new Uint8Array(await stored("openai/chat/openai-text.json").arrayBuffer());
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(expected);
    // Spent: the next call gets the simulator's own answer again.
    const next = (await (await chat(false)).json()) as { id: string };
    expect(next.id).not.toBe("chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU");
  });

  test("a .chunks.txt recording streams exactly its payloads, in order, as data lines", async () => {
    await arm({ format: "openai", recording: "openai/chat/openai-text.chunks.txt" });
    const response = await chat(true);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const lines = await storedLines("openai/chat/openai-text.chunks.txt");
    const body = await response.text();
    expect(body).toBe(lines.map((line) => `data: ${line}\n\n`).join(""));
    expect(parseServerSentEvents(body).map((event) => event.data)).toEqual(lines);
  });

  test("Anthropic payloads also get their `event:` line from the payload's type", async () => {
    await arm({ format: "anthropic", recording: "anthropic/anthropic-text.chunks.txt" });
    const lines = await storedLines("anthropic/anthropic-text.chunks.txt");
    const events = parseServerSentEvents(await (await messages(true)).text());
    expect(events.map((event) => event.data)).toEqual(lines);
    expect(events.map((event) => event.event)).toEqual(
      lines.map((line) => (JSON.parse(line) as { type: string }).type),
    );
  });

  test("a case without extension serves its .json to plain calls and its chunks to streams", async () => {
    await arm({ format: "cohere", recording: "cohere/cohere-text", count: 2 });
    const call = (stream: boolean) =>
      fetch(`${simulator.url}/v2/chat`, {
        method: "POST",
        headers: { authorization: "Bearer co-test" },
        body: JSON.stringify({
          model: "command-a",
          messages: [{ role: "user", content: "Hi" }],
          stream,
        }),
      });
    expect(await (await call(true)).text()).toContain(
      '"id":"321d178c-2c12-44d3-ae42-2f5510f6b1cc"',
    );
    expect(await (await call(false)).text()).toBe(await stored("cohere/cohere-text.json").text());
  });

  test("Bedrock stream lines become event-stream frames: the top-level key as :event-type", async () => {
    await arm({
      format: "bedrock",
      recording: "amazon-bedrock/amazon-bedrock-tool-call.1.chunks.txt",
    });
    const response = await fetch(`${simulator.url}/model/anthropic.claude-3/converse-stream`, {
      method: "POST",
      headers: {
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00",
        "x-amz-date": "20260101T000000Z",
      },
      body: JSON.stringify({ messages: [{ role: "user", content: [{ text: "Hi" }] }] }),
    });
    expect(response.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
    const bytes = new Uint8Array(await response.arrayBuffer());
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    const frames: Array<{ type: unknown; body: unknown }> = [];
    for (let offset = 0; offset < bytes.length; ) {
      const length = new DataView(bytes.buffer, offset, 4).getUint32(0);
      const message = codec.decode(bytes.subarray(offset, offset + length));
      frames.push({
        type: message.headers[":event-type"]?.value,
        body: JSON.parse(toUtf8(message.body)),
      });
      offset += length;
    }
    const lines = await storedLines("amazon-bedrock/amazon-bedrock-tool-call.1.chunks.txt");
    expect(frames).toEqual(
      lines.map((line) => {
        const [[type, body]] = Object.entries(JSON.parse(line) as Record<string, unknown>) as [
          [string, unknown],
        ];
        return { type, body };
      }),
    );
  });
});

describe("how replays meet the rest of the simulator", () => {
  test("a refused call does not spend the replay: a 429 fault first, then the recording", async () => {
    await fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-4.1-nano", format: "openai", status: 429 }),
    });
    await arm({ format: "openai", recording: "openai/chat/openai-text.json" });
    expect((await chat(false)).status).toBe(429);
    expect((await chat(false, { authorization: "" })).status).toBe(401);
    const replayed = (await (await chat(false)).json()) as { id: string };
    expect(replayed.id).toBe("chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU");
  });

  test("replays queue per format; GET lists them, DELETE disarms", async () => {
    await arm([
      { format: "anthropic", recording: "anthropic/anthropic-text.json" },
      { format: "anthropic", recording: "anthropic/anthropic-tool-no-args.json", count: 2 },
    ]);
    const listed = (await (await fetch(`${simulator.url}/_sim/replay`)).json()) as {
      replays: Array<{ recording: string; count: number }>;
    };
    expect(listed.replays.map(({ recording, count }) => [recording, count])).toEqual([
      ["anthropic/anthropic-text.json", 1],
      ["anthropic/anthropic-tool-no-args.json", 2],
    ]);
    expect(((await (await messages(false)).json()) as { id: string }).id).toBe(
      "msg_01VdEjxAP5ahtHKrrRdNBteQ",
    );
    expect(((await (await messages(false)).json()) as { id: string }).id).toBe(
      "msg_01GCBaV8gyWAYgMVggRqZbuQ",
    );
    // Another format's calls are untouched.
    expect(((await (await chat(false)).json()) as { object: string }).object).toBe(
      "chat.completion",
    );
    await fetch(`${simulator.url}/_sim/replay`, { method: "DELETE" });
    expect(((await (await messages(false)).json()) as { id: string }).id).not.toBe(
      "msg_01GCBaV8gyWAYgMVggRqZbuQ",
    );
  });

  test("a call the armed recording has no form for fails loudly", async () => {
    await arm({ format: "cohere", recording: "cohere/cohere-empty-tool-call" });
    const response = await fetch(`${simulator.url}/v2/chat`, {
      method: "POST",
      headers: { authorization: "Bearer co-test" },
      body: JSON.stringify({ model: "command-a", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        type: "replay_mismatch",
        message:
          "replay: the call wants a plain answer but the armed recording cohere/cohere-empty-tool-call has no .json form",
      },
    });
  });

  test("GET /_sim/replay/recordings lists the recordings, nothing else", async () => {
    const { recordings } = (await (
      await fetch(`${simulator.url}/_sim/replay/recordings`)
    ).json()) as {
      recordings: string[];
    };
    expect(recordings).toContain("cohere/cohere-text.json");
    expect(recordings).toContain("openai/chat/openai-text.chunks.txt");
    expect(recordings).toContain("cohere/reranking/cohere-reranking.1.json");
    expect(recordings.some((path) => path.endsWith(".md") || path.endsWith("LICENSE"))).toBe(false);
  });
});

describe("arming is checked", () => {
  test.each([
    ["../package.json", 400, "may not contain"],
    ["openai/../../../package.json", 400, "may not contain"],
    ["/etc/passwd", 400, "must be a relative path"],
    ["C:\\windows\\win.ini", 400, "must be a relative path"],
    ["openai/chat/no-such-case", 404, "no recording"],
    ["openai/chat/no-such-case.json", 404, "no recording"],
  ])("recording %p → %p", async (recording, status, message) => {
    const response = await arm({ format: "openai", recording });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      message,
    );
  });

  test("an unknown format, a bad count or an unknown field is a 400, and nothing is armed", async () => {
    const unknown = await arm({ format: "palm", recording: "openai/chat/openai-text.json" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain(
      "openai",
    );
    expect(
      (await arm({ format: "openai", recording: "openai/chat/openai-text.json", count: 0 })).status,
    ).toBe(400);
    expect(
      (await arm({ format: "openai", recording: "openai/chat/openai-text.json", model: "x" }))
        .status,
    ).toBe(400);
    const mixed = await arm([
      { format: "openai", recording: "openai/chat/openai-text.json" },
      { format: "openai", recording: "../secrets" },
    ]);
    expect(mixed.status).toBe(400);
    expect(await (await fetch(`${simulator.url}/_sim/replay`)).json()).toEqual({ replays: [] });
  });

  test("startSimulator({ recordingsRoot }) reads recordings from elsewhere", async () => {
    const root = await mkdtemp(join(tmpdir(), "modelux-recordings-"));
    const body = '{"id":"chatcmpl-custom","object":"chat.completion","choices":[]}  \n';
    await writeFile(join(root, "custom.json"), body);
    const custom = startSimulator({ port: 0, recordingsRoot: root });
    try {
      const armed = await fetch(`${custom.url}/_sim/replay`, {
        method: "POST",
        body: JSON.stringify({ format: "openai", recording: "custom.json" }),
      });
      expect(armed.status).toBe(201);
      const response = await fetch(`${custom.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-test" },
        body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }),
      });
      expect(await response.text()).toBe(body);
    } finally {
      await custom.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
