// The simulator's embeddings preserve similarity (simulator/common/text-embedding.ts): through
// its HTTP endpoint, a paraphrase lands near its original and an unrelated text far from it, so
// semantic caching can be tested against it.
import { afterAll, describe, expect, test } from "bun:test";
import { startSimulator } from "../../simulator/server.ts";

const simulator = startSimulator({ port: 0 });
afterAll(() => simulator.stop());

async function embed(input: string[], dimensions?: number): Promise<number[][]> {
  const response = await fetch(`${simulator.url}/v1/embeddings`, {
    method: "POST",
    headers: { authorization: "Bearer sk-sim", "content-type": "application/json" },
    body: JSON.stringify({ model: "text-embedding-3-small", input, dimensions }),
  });
  const body = (await response.json()) as { data: Array<{ embedding: number[] }> };
  return body.data.map((item) => item.embedding);
}

const cosine = (a: number[], b: number[]) =>
  a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);

describe("simulator embeddings: similarity", () => {
  test("a paraphrase is near, an unrelated text far, the same text identical", async () => {
    const [original, paraphrase, unrelated, again] = await embed([
      "What is the capital of France?",
      "what is the capital city of France",
      "How do I bake sourdough bread at home?",
      "What is the capital of France?",
    ]);
    if (!original || !paraphrase || !unrelated || !again)
      throw new Error("four embeddings expected");
    expect(cosine(original, again)).toBeCloseTo(1, 5);
    expect(cosine(original, paraphrase)).toBeGreaterThan(0.85);
    expect(Math.abs(cosine(original, unrelated))).toBeLessThan(0.2);
  });

  test("the same holds at a requested dimension count", async () => {
    const [original, paraphrase, unrelated] = await embed(
      [
        "Summarise this contract for me",
        "Please summarise this contract",
        "Translate hello to German",
      ],
      256,
    );
    if (!original || !paraphrase || !unrelated) throw new Error("three embeddings expected");
    expect(original).toHaveLength(256);
    expect(cosine(original, paraphrase)).toBeGreaterThan(cosine(original, unrelated) + 0.4);
  });
});
