// The semantic cache's index (dataplane/cache/vector-index.ts): int8 vectors find their
// neighbours, and the similarity a lookup decides on and reports is the exact cosine of the
// float32 vectors (ResponseCache rescores the index's quantized one), so a threshold holds to the
// vector, not to the quantization.
import { describe, expect, test } from "bun:test";
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import { emptyUsage } from "#shared/canonical/response.ts";
import { type CacheEntry, encodeVector } from "../../dataplane/cache/cache-entry.ts";
import { ResponseCache } from "../../dataplane/cache/response-cache.ts";
import { VectorPartition } from "../../dataplane/cache/vector-index.ts";
import { embeddingVector } from "../../simulator/formats/openai/embeddings.ts";

const DIMENSIONS = 256;
const embed = (text: string) => embeddingVector("text-embedding-3-small", text, DIMENSIONS);
const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  let left = 0;
  let right = 0;
  for (let index = 0; index < a.length; index++) {
    dot += (a[index] as number) * (b[index] as number);
    left += (a[index] as number) ** 2;
    right += (b[index] as number) ** 2;
  }
  return dot / Math.sqrt(left * right);
};

describe("semantic cache index", () => {
  test("the nearest of a few hundred texts is the paraphrased one; exactSimilarity is the cosine", () => {
    const partition = new VectorPartition(DIMENSIONS);
    const texts = Array.from(
      { length: 300 },
      (_, index) => `question number ${index} about topic ${index * 7}`,
    );
    for (const [index, text] of texts.entries()) partition.add(`k${index}`, embed(text));
    expect(partition.size).toBe(300);
    const query = embed("question number 42 about the topic 294");
    const [first] = partition.nearest(query);
    expect(first?.key).toBe("k42");
    const stored = embed(texts[42] as string);
    const exact = partition.exactSimilarity(query, encodeVector(stored));
    expect(exact).toBeCloseTo(cosine(query, stored), 6);
    // The index's own figure is the quantized vectors': close, not exact.
    expect(Math.abs((first?.similarity ?? 0) - (exact ?? 0))).toBeLessThan(0.02);
    // Another size is not this partition's vector.
    expect(partition.exactSimilarity(query, encodeVector(embed("x").subarray(0, 128)))).toBeNull();
    partition.remove("k42");
    expect(partition.nearest(query)[0]?.key).not.toBe("k42");
  });

  test("a lookup reports the exact similarity and holds the threshold to it", async () => {
    const cache = new ResponseCache({ state: new InProcessStateStore() });
    const original = embed("How do I reset my account password on the website?");
    const now = Date.now();
    const entry: CacheEntry = {
      v: 1,
      kind: "generation",
      project_id: "prj",
      config_slug: "near",
      partition: "p1",
      created_at: now,
      expires_at: now + 60_000,
      provider: "openai",
      model: "gpt-4o-mini",
      cost_usd: 0,
      usage: emptyUsage(),
      response: {
        id: "",
        model: "gpt-4o-mini",
        content: [{ type: "text", text: "Use the link." }],
        stopReason: "end_turn",
        usage: emptyUsage(),
      },
      vector: encodeVector(original),
    };
    cache.store("org", "e1", entry);
    const query = embed("How can I reset my account password on the website?");
    const exact = cosine(query, original);
    const found = await cache.semantic("org", "p1", query, exact - 1e-6);
    expect(found?.similarity).toBeCloseTo(exact, 6);
    expect(await cache.semantic("org", "p1", query, exact + 1e-6)).toBeNull();
  });
});
