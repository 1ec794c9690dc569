// The simulator's Gemini format checked with Google's own SDK (@google/genai), pointed at it
// with only the base URL and key changed: plain and streamed answers, function calls sent back
// with their signatures, thoughts, countTokens, the model list and errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ApiError,
  type Content,
  FinishReason,
  FunctionCallingConfigMode,
  GoogleGenAI,
  type Tool,
  Type,
} from "@google/genai";
import { countTokens } from "../../simulator/common/tokens.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

let simulator: RunningSimulator;
let ai: GoogleGenAI;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  ai = new GoogleGenAI({ apiKey: "sim-google-key", httpOptions: { baseUrl: simulator.url } });
});
afterAll(() => simulator.stop());

const weatherTool: Tool = {
  functionDeclarations: [
    {
      name: "get_weather",
      description: "Current weather for a city",
      parameters: {
        type: Type.OBJECT,
        properties: { city: { type: Type.STRING }, unit: { type: Type.STRING, enum: ["c", "f"] } },
        required: ["city"],
      },
    },
  ],
};

async function lastCall() {
  const calls = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as {
    last: Record<string, { path: string; headers: Record<string, string> }>;
  };
  return calls.last.google;
}

describe("the @google/genai SDK against the simulator", () => {
  const prompt = "Say something about routing.";

  test("generateContent: text, STOP, usage consistent with the text", async () => {
    const response = await ai.models.generateContent({
      model: "gemini-2.5-flash",
      contents: prompt,
    });
    const text = response.text ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(response.usageMetadata?.promptTokenCount).toBe(countTokens(prompt));
    expect(response.usageMetadata?.candidatesTokenCount).toBe(countTokens(text));
    expect(response.responseId?.length).toBeGreaterThan(0);
    const call = await lastCall();
    // The SDK's default API version is v1; the simulator serves v1 and v1beta alike.
    expect(call?.path).toBe("/v1/models/gemini-2.5-flash:generateContent");
    expect(call?.headers["x-goog-api-key"]).toBe("sim-google-key");
  });

  test("generateContentStream: the same text, streamed, with the final usage", async () => {
    const whole = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: prompt });
    const stream = await ai.models.generateContentStream({
      model: "gemini-2.5-flash",
      contents: prompt,
    });
    let text = "";
    let chunks = 0;
    let last: Awaited<ReturnType<typeof ai.models.generateContent>> | undefined;
    for await (const chunk of stream) {
      text += chunk.text ?? "";
      chunks++;
      last = chunk;
    }
    expect(text).toBe(whole.text ?? "");
    expect(chunks).toBeGreaterThan(countTokens(text));
    expect(last?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(last?.usageMetadata?.candidatesTokenCount).toBe(countTokens(text));
    expect((await lastCall())?.path).toBe(
      "/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
  });

  test("a function call, answered and sent back with its signature", async () => {
    const model = "gemini-3-pro-preview";
    const contents: Content[] = [
      { role: "user", parts: [{ text: "What is the weather in Rome?" }] },
    ];
    const config = {
      tools: [weatherTool],
      thinkingConfig: { includeThoughts: true, thinkingBudget: 64 },
    };
    const response = await ai.models.generateContent({ model, contents, config });
    const call = response.functionCalls?.[0];
    expect(call?.name).toBe("get_weather");
    expect(Object.keys(call?.args ?? {})).toEqual(["city"]);
    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(parts[0]?.thought).toBe(true);
    expect(parts[0]?.thoughtSignature?.length).toBeGreaterThan(0);
    expect(parts[1]?.thoughtSignature?.length).toBeGreaterThan(0);
    expect(response.usageMetadata?.thoughtsTokenCount).toBe(countTokens(parts[0]?.text ?? ""));

    const modelTurn = response.candidates?.[0]?.content as Content;
    const result: Content = {
      role: "user",
      parts: [{ functionResponse: { name: "get_weather", response: { output: "18°C" } } }],
    };
    const followUp = await ai.models.generateContent({
      model,
      contents: [...contents, modelTurn, result],
      config,
    });
    expect(followUp.functionCalls).toBeUndefined();
    expect(followUp.text?.length).toBeGreaterThan(0);

    // Gemini 3 refuses the same history once the call's signature is gone.
    const unsigned: Content = { role: "model", parts: [{ functionCall: call ?? {} }] };
    const refused = ai.models.generateContent({
      model,
      contents: [...contents, unsigned, result],
      config,
    });
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await refused.catch((error: ApiError) => {
      expect(error.status).toBe(400);
      expect(error.message).toContain("thought_signature");
    });
  });

  test("a streamed function call forced by mode ANY", async () => {
    const stream = await ai.models.generateContentStream({
      model: "gemini-2.5-flash",
      contents: "Hello there",
      config: {
        tools: [weatherTool],
        toolConfig: {
          functionCallingConfig: {
            mode: FunctionCallingConfigMode.ANY,
            allowedFunctionNames: ["get_weather"],
          },
        },
      },
    });
    const calls = [];
    for await (const chunk of stream) calls.push(...(chunk.functionCalls ?? []));
    expect(calls.map((call) => call.name)).toEqual(["get_weather"]);
    expect(typeof calls[0]?.args?.city).toBe("string");
  });

  test("countTokens matches the prompt tokens generateContent reports", async () => {
    const counted = await ai.models.countTokens({ model: "gemini-2.5-flash", contents: prompt });
    expect(counted.totalTokens).toBe(countTokens(prompt));
  });

  test("the model list and one model", async () => {
    const names: string[] = [];
    for await (const model of await ai.models.list()) names.push(model.name ?? "");
    expect(names).toContain("models/gemini-2.5-flash");
    const one = await ai.models.get({ model: "gemini-2.5-pro" });
    expect(one.displayName).toBe("Gemini 2.5 Pro");
  });

  test("an injected 429 reaches the SDK as RESOURCE_EXHAUSTED with RetryInfo", async () => {
    await fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model: "gemini-2.5-flash-lite", status: 429, format: "google" }),
    });
    const failed = ai.models.generateContent({ model: "gemini-2.5-flash-lite", contents: prompt });
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    await failed.catch((error: ApiError) => {
      expect(error.status).toBe(429);
      const body = JSON.parse(error.message);
      expect(body.error.status).toBe("RESOURCE_EXHAUSTED");
      expect(body.error.details[0].retryDelay).toBe("1s");
    });
    // The fault was for one call only.
    const recovered = await ai.models.generateContent({
      model: "gemini-2.5-flash-lite",
      contents: prompt,
    });
    expect(recovered.text?.length).toBeGreaterThan(0);
  });

  test("apiVersion v1beta (the REST default, the adapter's) is served alike", async () => {
    const beta = new GoogleGenAI({
      apiKey: "sim-google-key",
      apiVersion: "v1beta",
      httpOptions: { baseUrl: simulator.url },
    });
    const response = await beta.models.generateContent({
      model: "gemini-2.5-flash",
      contents: prompt,
    });
    expect((await lastCall())?.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    const plain = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: prompt });
    expect(response.text).toBe(plain.text as string);
  });

  test("a key in the query works; no key at all is a 403 PERMISSION_DENIED", async () => {
    const url = `${simulator.url}/v1beta/models/gemini-2.5-flash:generateContent`;
    const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
    expect((await fetch(`${url}?key=abc`, { method: "POST", body })).status).toBe(200);
    const refused = await fetch(url, { method: "POST", body });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { status: string } }).error.status).toBe(
      "PERMISSION_DENIED",
    );
  });
});
