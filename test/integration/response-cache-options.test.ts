// The cache options not covered by response-cache.test.ts: an entry's ttl (a manual clock),
// allow_tool_calls (answers that call tools are kept only when the config opts in), and
// embedding_dimensions (the size of the semantic cache's vectors).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import { emptyUsage } from "#shared/canonical/response.ts";
import { decodeVector, readStoredValue } from "../../dataplane/cache/cache-entry.ts";
import { ResponseCache } from "../../dataplane/cache/response-cache.ts";
import {
  type GatewayHarness,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { waitUntil } from "../support/wait.ts";

const toolRequest = (model: string) => ({
  model,
  max_tokens: 64,
  temperature: 0,
  tool_choice: "required" as const,
  tools: [
    {
      type: "function" as const,
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    },
  ],
  messages: [{ role: "user" as const, content: "Weather in Paris?" }],
});

describe("response cache options", () => {
  const state = new InProcessStateStore();
  let harness: GatewayHarness;
  beforeAll(() => {
    harness = startGatewayHarness({
      state,
      routingConfigs: {
        tools_off: {
          strategy: "single",
          model: "openai/gpt-4o-mini",
          cache: { mode: "exact", ttl_seconds: 60 },
        },
        tools_on: {
          strategy: "single",
          model: "openai/gpt-4o-mini",
          cache: { mode: "exact", ttl_seconds: 60, allow_tool_calls: true },
        },
        small: {
          strategy: "single",
          model: "openai/gpt-4o-mini",
          embedding_dimensions: 64,
          cache: {
            mode: "semantic",
            ttl_seconds: 60,
            embedding_model: "openai/text-embedding-3-small",
          },
        },
      },
    });
  });
  afterAll(() => harness.stop());

  test("ttl: an entry is served until its ttl passes, then not", () => {
    let now = 1_000_000;
    const cache = new ResponseCache({
      state: new InProcessStateStore({ now: () => now }),
      now: () => now,
    });
    cache.store("org", "ekey", {
      v: 1,
      kind: "generation",
      project_id: "prj",
      config_slug: "c",
      created_at: now,
      expires_at: now + 60_000,
      provider: "openai",
      model: "m",
      cost_usd: 0,
      usage: emptyUsage(),
      response: {
        id: "",
        model: "m",
        content: [{ type: "text", text: "x" }],
        stopReason: "end_turn",
        usage: emptyUsage(),
      },
    });
    expect(cache.exact("org", "prj", "ekey")).not.toBeNull();
    now += 59_999;
    expect(cache.exact("org", "prj", "ekey")).not.toBeNull();
    now += 2;
    expect(cache.exact("org", "prj", "ekey")).toBeNull();
  });

  test("allow_tool_calls: an answer calling a tool is served again only when the config opts in", async () => {
    const openai = openAiClient(harness);
    const first = await openai.chat.completions.create(toolRequest("@tools_off"));
    expect(first.choices[0]?.message.tool_calls?.length).toBeGreaterThan(0);
    const again = await openai.chat.completions.create(toolRequest("@tools_off")).withResponse();
    expect(again.response.headers.get("x-modelux-cache")).toBe("MISS");
    await openai.chat.completions.create(toolRequest("@tools_on"));
    await waitUntil(() => harness.context.cache.stats.entries >= 1);
    const hit = await openai.chat.completions.create(toolRequest("@tools_on")).withResponse();
    expect(hit.response.headers.get("x-modelux-cache")).toBe("HIT");
    const call = hit.data.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : null).toBe("get_weather");
  });

  test("embedding_dimensions: the semantic cache's vectors have that size", async () => {
    const vectors: number[] = [];
    const watch = await state.watch("cache", (change) => {
      const stored = readStoredValue(change.value);
      if (stored && stored.kind !== "purge" && stored.vector)
        vectors.push(decodeVector(stored.vector)?.length ?? 0);
    });
    await openAiClient(harness).chat.completions.create({
      model: "@small",
      max_tokens: 16,
      temperature: 0,
      messages: [{ role: "user", content: "Name a colour." }],
    });
    await waitUntil(() => vectors.length >= 1);
    await watch.stop();
    expect(vectors).toEqual([64]);
  });
});
