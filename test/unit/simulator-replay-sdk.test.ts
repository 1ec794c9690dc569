// The official SDKs parse what the replay mode serves: real recordings from
// test/fixtures/provider-recordings, replayed byte for byte by the simulator, read by `openai`,
// `@anthropic-ai/sdk`, `cohere-ai` and `@aws-sdk/client-bedrock-runtime` as if from the vendor.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { BedrockRuntimeClient, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { CohereClientV2 } from "cohere-ai";
import OpenAI from "openai";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

let simulator: RunningSimulator;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
});
afterAll(() => simulator.stop());
beforeEach(() => fetch(`${simulator.url}/_sim/replay`, { method: "DELETE" }));

async function arm(format: string, recording: string, count = 1): Promise<void> {
  const response = await fetch(`${simulator.url}/_sim/replay`, {
    method: "POST",
    body: JSON.stringify({ format, recording, count }),
  });
  expect(response.status).toBe(201);
}

describe("openai", () => {
  test("openai/chat/openai-text, plain and streamed", async () => {
    const openai = new OpenAI({ apiKey: "sk-test", baseURL: `${simulator.url}/v1`, maxRetries: 0 });
    await arm("openai", "openai/chat/openai-text", 2);
    const request = { model: "gpt-4.1-nano", messages: [{ role: "user" as const, content: "Hi" }] };
    const completion = await openai.chat.completions.create(request);
    expect(completion.id).toBe("chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU");
    expect(completion.choices[0]?.message.content).toStartWith("**Holiday Name:** Galaxy Day");
    expect(completion.choices[0]?.finish_reason).toBe("stop");

    const stream = await openai.chat.completions.create({ ...request, stream: true });
    let text = "";
    let finish: string | null | undefined;
    let completionTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(text).toStartWith("**Holiday Name:**");
    expect(finish).toBe("stop");
    expect(completionTokens).toBe(300);
  });
});

describe("@anthropic-ai/sdk", () => {
  const anthropic = () =>
    new Anthropic({ apiKey: "sk-ant-test", baseURL: simulator.url, maxRetries: 0 });
  const request = {
    model: "claude-haiku-4-5",
    max_tokens: 200,
    messages: [{ role: "user" as const, content: "Hi" }],
  };

  test("anthropic/anthropic-text, plain and through the stream helper", async () => {
    await arm("anthropic", "anthropic/anthropic-text", 2);
    const message = await anthropic().messages.create(request);
    expect(message.id).toBe("msg_01VdEjxAP5ahtHKrrRdNBteQ");
    expect(message.content).toEqual([
      expect.objectContaining({
        type: "text",
        text: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
      }),
    ]);
    expect(message.stop_reason).toBe("end_turn");

    const final = await anthropic().messages.stream(request).finalMessage();
    expect(final.id).toBe("msg_01QC4g3HwBThD4BaNtBckFDJ");
    expect(final.content[0]?.type).toBe("text");
    expect(final.stop_reason).toBe("end_turn");
  });

  test("anthropic/anthropic-tool-no-args: a tool_use block with empty input, plain and streamed", async () => {
    await arm("anthropic", "anthropic/anthropic-tool-no-args", 2);
    const message = await anthropic().messages.create(request);
    const toolUse = message.content.find((block) => block.type === "tool_use");
    expect(toolUse).toMatchObject({
      id: "toolu_01LRmxn9vGM1d2DZSDBowdZ1",
      name: "updateIssueList",
      input: {},
    });
    expect(message.stop_reason).toBe("tool_use");

    const final = await anthropic().messages.stream(request).finalMessage();
    const streamedToolUse = final.content.find((block) => block.type === "tool_use");
    expect(streamedToolUse).toMatchObject({ name: "updateIssueList", input: {} });
    expect(final.stop_reason).toBe("tool_use");
  });
});

describe("cohere-ai", () => {
  test("cohere/cohere-tool-call, plain and streamed", async () => {
    const client = new CohereClientV2({
      token: "co-test",
      environment: simulator.url,
      maxRetries: 0,
    });
    await arm("cohere", "cohere/cohere-tool-call", 2);
    const request = {
      model: "command-a-03-2025",
      messages: [{ role: "user" as const, content: "Weather and attractions in San Francisco?" }],
    };
    const response = await client.chat(request);
    expect(response.finishReason).toBe("TOOL_CALL");
    expect(response.message.toolCalls?.map((call) => call.function?.name)).toEqual([
      "weather",
      "cityAttractions",
    ]);
    expect(response.usage?.billedUnits).toEqual({ inputTokens: 119, outputTokens: 52 });

    const names: string[] = [];
    let finish: string | undefined;
    for await (const event of await client.chatStream(request)) {
      if (event.type === "tool-call-start")
        names.push(event.delta?.message?.toolCalls?.function?.name ?? "");
      if (event.type === "message-end") finish = event.delta?.finishReason;
    }
    expect(names).toEqual(["weather", "cityAttractions"]);
    expect(finish).toBe("TOOL_CALL");
  });
});

describe("@aws-sdk/client-bedrock-runtime", () => {
  test("amazon-bedrock/amazon-bedrock-text.chunks.txt through ConverseStream", async () => {
    const client = new BedrockRuntimeClient({
      region: "us-east-1",
      endpoint: simulator.url,
      credentials: { accessKeyId: "AKIDSIMULATOR", secretAccessKey: "simulator-secret" },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    await arm("bedrock", "amazon-bedrock/amazon-bedrock-text.chunks.txt");
    const output = await client.send(
      new ConverseStreamCommand({
        modelId: "anthropic.claude-3-haiku",
        messages: [{ role: "user", content: [{ text: "Count" }] }],
      }),
    );
    let text = "";
    let stopReason: string | undefined;
    let outputTokens: number | undefined;
    for await (const event of output.stream ?? []) {
      text += event.contentBlockDelta?.delta?.text ?? "";
      stopReason = event.messageStop?.stopReason ?? stopReason;
      outputTokens = event.metadata?.usage?.outputTokens ?? outputTokens;
    }
    expect(text).toStartWith('Let me count the "');
    expect(stopReason).toBe("end_turn");
    expect(outputTokens).toBe(55);
  });
});
