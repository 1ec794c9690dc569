import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

let simulator: RunningSimulator;
beforeAll(() => {
  simulator = startSimulator({ port: 0 });
});
afterAll(() => simulator.stop());

const AUTH = { authorization: "Bearer sk-test", "content-type": "application/json" };

interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}
interface EmbeddingList<TEmbedding> {
  object: string;
  data: Array<{ index: number; embedding: TEmbedding }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = AUTH,
): Promise<Response> {
  return fetch(`${simulator.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

async function json<T>(response: Response | Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}

describe("simulator: OpenAI errors", () => {
  test("a missing or empty bearer token is a 401 in OpenAI's shape", async () => {
    for (const authorization of [undefined, "Bearer "]) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (authorization) headers.authorization = authorization;
      const response = await post(
        "/v1/chat/completions",
        { model: "gpt-4o", messages: [] },
        headers,
      );
      expect(response.status).toBe(401);
      const body = await json<OpenAiError>(response);
      expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
      expect(body.error.type).toBe("invalid_request_error");
    }
  });

  test("malformed JSON, a missing model and missing messages are 400s naming the problem", async () => {
    const malformed = await fetch(`${simulator.url}/v1/chat/completions`, {
      method: "POST",
      headers: AUTH,
      body: "{nope",
    });
    expect(malformed.status).toBe(400);
    expect((await json<OpenAiError>(malformed)).error.type).toBe("invalid_request_error");
    const noModel = await post("/v1/chat/completions", {
      messages: [{ role: "user", content: "hi" }],
    });
    expect(noModel.status).toBe(400);
    expect((await json<OpenAiError>(noModel)).error.param).toBe("model");
    const noMessages = await post("/v1/chat/completions", { model: "gpt-4o" });
    expect(noMessages.status).toBe(400);
    expect((await json<OpenAiError>(noMessages)).error).toEqual({
      message: "Missing required parameter: 'messages'.",
      type: "invalid_request_error",
      param: "messages",
      code: "missing_required_parameter",
    });
    const badRole = await post("/v1/chat/completions", {
      model: "gpt-4o",
      messages: [{ role: "robot", content: "hi" }],
    });
    expect((await json<OpenAiError>(badRole)).error.param).toBe("messages[0].role");
  });
});

describe("simulator: OpenAI embeddings and models", () => {
  const norm = (vector: number[]) =>
    Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  const embed = <T>(body: unknown) => json<EmbeddingList<T>>(post("/v1/embeddings", body));

  test("embeddings are deterministic unit vectors of the default 1536 dimensions", async () => {
    const body = { model: "text-embedding-3-small", input: ["first text", "second text"] };
    const first = await embed<number[]>(body);
    expect(first.object).toBe("list");
    const [one, two] = first.data;
    expect(two?.index).toBe(1);
    expect(one?.embedding).toHaveLength(1536);
    expect(norm(one?.embedding ?? [])).toBeCloseTo(1, 5);
    expect(one?.embedding).not.toEqual(two?.embedding);
    expect(first.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    const again = await embed<number[]>({ ...body, input: "first text" });
    expect(again.data[0]?.embedding).toEqual(one?.embedding);
  });

  test("dimensions is honoured and base64 decodes to the same floats", async () => {
    const body = { model: "text-embedding-3-large", input: "hello", dimensions: 256 };
    const floats = (await embed<number[]>(body)).data[0]?.embedding ?? [];
    expect(floats).toHaveLength(256);
    expect(norm(floats)).toBeCloseTo(1, 5);
    const encoded = await embed<string>({ ...body, encoding_format: "base64" });
    const bytes = Buffer.from(encoded.data[0]?.embedding ?? "", "base64");
    const decoded = Array.from(
      new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4),
    );
    expect(decoded).toEqual(floats);
  });

  test("models are listed in OpenAI's shape", async () => {
    const list = await json<{ object: string; data: Array<{ id: string }> }>(
      fetch(`${simulator.url}/v1/models`, { headers: AUTH }),
    );
    expect(list.object).toBe("list");
    expect(list.data.map((model) => model.id)).toContain("gpt-4o-mini");
  });
});
