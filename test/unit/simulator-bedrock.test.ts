// The simulator's Bedrock format against the official AWS SDK
// (@aws-sdk/client-bedrock-runtime): pointed at the simulator with only the endpoint and
// credentials changed, it signs, sends and parses everything (Converse, ConverseStream, tools,
// reasoning, typed errors). The gateway's own round trip is in providers-bedrock-simulator.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type Tool,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { bedrockAdapter } from "../../dataplane/providers/bedrock/index.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

const MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const credentials = { accessKeyId: "AKIDSIMULATOR", secretAccessKey: "simulator-secret" };

let simulator: RunningSimulator;
let client: BedrockRuntimeClient;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  client = new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: simulator.url,
    credentials,
    maxAttempts: 1,
    // The SDK's default transport is HTTP/2 (for bidirectional streams); Bun.serve speaks
    // HTTP/1.1, which Bedrock also serves Converse and ConverseStream on.
    requestHandler: new NodeHttpHandler(),
  });
});
afterAll(() => simulator.stop());
beforeEach(async () => {
  await fetch(`${simulator.url}/_sim/faults`, { method: "DELETE" });
});

const fault = (body: unknown) =>
  fetch(`${simulator.url}/_sim/faults`, { method: "POST", body: JSON.stringify(body) });

const weatherTool: Tool = {
  toolSpec: {
    name: "get_weather",
    description: "Current weather for a city",
    inputSchema: {
      json: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
};

describe("the AWS SDK against the simulator", () => {
  const messages = [{ role: "user" as const, content: [{ text: "Say something about routing." }] }];

  test("Converse", async () => {
    const response = await client.send(
      new ConverseCommand({ modelId: MODEL, messages, system: [{ text: "Be brief." }] }),
    );
    const text = response.output?.message?.content?.[0]?.text;
    expect(text?.length).toBeGreaterThan(0);
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage?.inputTokens).toBeGreaterThan(0);
    expect(response.usage?.outputTokens).toBeGreaterThan(0);
    expect(response.usage?.totalTokens).toBe(
      (response.usage?.inputTokens ?? 0) + (response.usage?.outputTokens ?? 0),
    );
    expect(response.$metadata.httpStatusCode).toBe(200);
    expect(response.$metadata.requestId).toBeString();
  });

  test("ConverseStream gives the same text as Converse, then the stop reason and usage", async () => {
    const plain = await client.send(new ConverseCommand({ modelId: MODEL, messages }));
    const response = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages }));
    let text = "";
    const kinds: string[] = [];
    let stopReason: string | undefined;
    let outputTokens = 0;
    for await (const event of response.stream ?? []) {
      kinds.push(Object.keys(event).find((key) => key !== "$unknown") ?? "");
      text += event.contentBlockDelta?.delta?.text ?? "";
      stopReason = event.messageStop?.stopReason ?? stopReason;
      outputTokens = event.metadata?.usage?.outputTokens ?? outputTokens;
    }
    expect(text).toBe(plain.output?.message?.content?.[0]?.text ?? "");
    expect(kinds[0]).toBe("messageStart");
    expect(kinds.slice(-3)).toEqual(["contentBlockStop", "messageStop", "metadata"]);
    expect(stopReason).toBe("end_turn");
    expect(outputTokens).toBe(plain.usage?.outputTokens ?? -1);
    // One delta per output token.
    expect(kinds.filter((kind) => kind === "contentBlockDelta")).toHaveLength(outputTokens);
  });

  test("a tool call, plain and streamed", async () => {
    const weather = [
      { role: "user" as const, content: [{ text: "What is the weather in Rome?" }] },
    ];
    const toolConfig = { tools: [weatherTool] };
    const plain = await client.send(
      new ConverseCommand({ modelId: MODEL, messages: weather, toolConfig }),
    );
    expect(plain.stopReason).toBe("tool_use");
    const toolUse = plain.output?.message?.content?.[0]?.toolUse;
    expect(toolUse?.name).toBe("get_weather");
    expect(Object.keys(toolUse?.input as object)).toEqual(["city"]);

    const streamed = await client.send(
      new ConverseStreamCommand({ modelId: MODEL, messages: weather, toolConfig }),
    );
    let name: string | undefined;
    let input = "";
    let stopReason: string | undefined;
    for await (const event of streamed.stream ?? []) {
      name = event.contentBlockStart?.start?.toolUse?.name ?? name;
      input += event.contentBlockDelta?.delta?.toolUse?.input ?? "";
      stopReason = event.messageStop?.stopReason ?? stopReason;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(input)).toEqual(toolUse?.input as object);
    expect(stopReason).toBe("tool_use");
  });

  test("reasoning when Claude's thinking is asked for", async () => {
    const request = {
      modelId: MODEL,
      messages,
      inferenceConfig: { maxTokens: 4000 },
      additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } },
    };
    const plain = await client.send(new ConverseCommand(request));
    const reasoning = plain.output?.message?.content?.[0]?.reasoningContent?.reasoningText;
    expect(reasoning?.text?.length).toBeGreaterThan(0);
    expect(reasoning?.signature?.length).toBeGreaterThan(0);
    expect(plain.output?.message?.content?.[1]?.text?.length).toBeGreaterThan(0);

    const streamed = await client.send(new ConverseStreamCommand(request));
    let thinking = "";
    let signature = "";
    for await (const event of streamed.stream ?? []) {
      thinking += event.contentBlockDelta?.delta?.reasoningContent?.text ?? "";
      signature += event.contentBlockDelta?.delta?.reasoningContent?.signature ?? "";
    }
    expect(thinking).toBe(reasoning?.text ?? "");
    expect(signature).toBe(reasoning?.signature ?? "");
  });

  test("errors reach the SDK as Bedrock's typed exceptions", async () => {
    await fault({ model: MODEL, status: 429 });
    const throttled = client.send(new ConverseCommand({ modelId: MODEL, messages }));
    await expect(throttled).rejects.toMatchObject({
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 429 },
    });
    const alternating = client.send(
      new ConverseCommand({ modelId: MODEL, messages: [...messages, ...messages] }),
    );
    await expect(alternating).rejects.toMatchObject({ name: "ValidationException" });
  });
});

describe("requests the simulator refuses", () => {
  test("an unsigned request is a 403 in Bedrock's shape", async () => {
    const url = `${simulator.url}/model/${encodeURIComponent(MODEL)}/converse`;
    const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: "hi" }] }] });
    const unsigned = await fetch(url, { method: "POST", body });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toStartWith(
      "MissingAuthenticationTokenException",
    );
    expect(await unsigned.json()).toEqual({ message: "Missing Authentication Token" });
    const bearer = await fetch(url, {
      method: "POST",
      body,
      headers: { authorization: "Bearer x" },
    });
    expect(bearer.status).toBe(403);
    expect(bedrockAdapter.parseError(403, await bearer.text(), bearer.headers).kind).toBe("auth");
  });
});
