// The response cache through the official SDKs (issue 18 §1, docs/caching.md): an entry the
// Anthropic SDK filled serves an OpenAI SDK stream; a semantic hit on a paraphrase and a miss on
// unrelated text; no-cache, no-store and mlx:cache.skip; sampled requests skipped unless the
// config allows them; budgets untouched by a hit; another data plane sharing the bus store hits
// the first one's entry and drops it on a purge; /metrics counts hits, misses, skips and the
// cost hits saved. The simulator's call log says what reached it.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import { UNCACHED_SURFACE_REASON } from "../../dataplane/cache/cache-stage.ts";
import { applyPurgeEvent } from "../../dataplane/cache/purge-event.ts";
import { ResponseCache } from "../../dataplane/cache/response-cache.ts";
import { requestLogRow } from "../../dataplane/trace/request-log-row.ts";
import type { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import {
  anthropicClient,
  type GatewayHarness,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { parseSamples, sumOf } from "../support/prometheus-text.ts";
import { waitUntil } from "../support/wait.ts";

const CONFIGS = {
  shared: {
    strategy: "single",
    model: "anthropic/claude-sonnet-4-5",
    cache: { mode: "exact", ttl_seconds: 600 },
  },
  sampled: {
    strategy: "single",
    model: "openai/gpt-4o-mini",
    cache: { mode: "exact", ttl_seconds: 600, allow_sampled: true },
  },
  metered: {
    strategy: "single",
    model: "openai/gpt-4o-mini",
    cache: { mode: "exact", ttl_seconds: 600 },
  },
  semantic: {
    strategy: "single",
    model: "openai/gpt-4o-mini",
    cache: {
      mode: "semantic",
      ttl_seconds: 600,
      similarity_threshold: 0.85,
      embedding_model: "openai/text-embedding-3-small",
    },
  },
  responses: {
    strategy: "single",
    model: "openai/gpt-4o-mini",
    cache: { mode: "exact", ttl_seconds: 600 },
  },
  embed: {
    strategy: "single",
    model: "openai/text-embedding-3-small",
    cache: { mode: "exact", ttl_seconds: 600 },
  },
  embed_semantic: {
    strategy: "single",
    model: "openai/text-embedding-3-small",
    cache: { mode: "semantic", ttl_seconds: 600, similarity_threshold: 0.5 },
  },
};

describe("response cache", () => {
  const state = new InProcessStateStore();
  let first: GatewayHarness;
  let second: GatewayHarness;

  beforeAll(() => {
    first = startGatewayHarness({
      routingConfigs: CONFIGS,
      state,
      budgets: [
        {
          name: "project",
          scope_type: "project",
          project_id: "prj_h",
          scope_value: "prj_h",
          cap_usd: 100,
        },
      ],
    });
    second = startGatewayHarness({ routingConfigs: CONFIGS, state });
  });
  afterAll(async () => {
    await first.stop();
    await second.stop();
  });

  /** Upstream chat calls the simulator saw, per model, since the last reset. */
  const upstreamCalls = async (harness: GatewayHarness) => {
    const log = (await (await fetch(`${harness.simulator.url}/_sim/calls`)).json()) as {
      counts: Record<string, Record<string, number>>;
    };
    return log.counts;
  };
  beforeEach(async () => {
    for (const harness of [first, second])
      await fetch(`${harness.simulator.url}/_sim/calls`, { method: "DELETE" });
  });
  const traceOf = (harness: GatewayHarness, requestId: string | null) =>
    (harness.context.traces as RecentTraces).find(requestId ?? "");
  const stored = (harness: GatewayHarness, count: number) =>
    waitUntil(() => harness.context.cache.stats.entries >= count, { timeoutMs: 5000 });

  test("an entry the Anthropic SDK filled serves an OpenAI SDK stream, at once, with fresh ids", async () => {
    const anthropic = anthropicClient(first);
    const question = "Name three primary colours.";
    // `temperature` is no longer in the SDK's types; the Messages API still takes it.
    const params = {
      model: "@shared",
      max_tokens: 64,
      temperature: 0,
      messages: [{ role: "user" as const, content: question }],
    } as Anthropic.MessageCreateParamsNonStreaming;
    const filled = await anthropic.messages.create(params).withResponse();
    expect(filled.response.headers.get("x-modelux-cache")).toBe("MISS");
    const original = filled.data.content
      .map((block) => (block.type === "text" ? block.text : ""))
      .join("");
    await stored(first, 1);

    const openai = openAiClient(first);
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: "@shared",
        max_tokens: 64,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: question }],
      })
      .withResponse();
    expect(response.headers.get("x-modelux-cache")).toBe("HIT");
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    expect(response.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
    let text = "";
    let usage: unknown = null;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(original);
    expect(usage).not.toBeNull();
    expect([...ids]).toHaveLength(1);
    expect([...ids][0]).not.toBe(filled.data.id);
    const requestId = response.headers.get("x-modelux-request-id");
    expect(requestId).not.toBe(filled.response.headers.get("x-modelux-request-id"));
    // Only the first request reached the provider.
    expect((await upstreamCalls(first)).anthropic?.["claude-sonnet-4-5"]).toBe(1);
    const trace = traceOf(first, requestId);
    expect(trace?.cache).toBe("hit");
    expect(trace?.attempts).toEqual([]);
    expect(trace?.cost_usd).toBe(0);
    expect(trace?.cache_detail?.saved_usd).toBeGreaterThan(0);
    expect(response.headers.get("x-modelux-cost-usd")).toBe("0.0000000000");
    // The warehouse row records the hit and what it saved.
    const row = requestLogRow(trace as NonNullable<typeof trace>);
    expect(row.cache).toBe("hit");
    expect(row.cost_usd).toBe(0);
    expect(row.cache_saved_usd).toBe(trace?.cache_detail?.saved_usd ?? -1);
  });

  test("a hit costs nothing against budgets", async () => {
    const openai = openAiClient(first);
    const body = {
      model: "@shared",
      max_tokens: 32,
      temperature: 0,
      messages: [{ role: "user" as const, content: "What is two plus two?" }],
    };
    const miss = await openai.chat.completions.create(body).withResponse();
    expect(miss.response.headers.get("x-modelux-cache")).toBe("MISS");
    await stored(first, 2);
    const before = first.context.budgets.pendingUsd();
    const hit = await openai.chat.completions.create(body).withResponse();
    expect(hit.response.headers.get("x-modelux-cache")).toBe("HIT");
    expect(hit.data.choices[0]?.message.content).toBe(miss.data.choices[0]?.message.content ?? "");
    expect(first.context.budgets.pendingUsd()).toBe(before);
  });

  test("no-cache reads fresh and stores, no-store neither, mlx:cache.skip reads fresh", async () => {
    const openai = openAiClient(first);
    const body = {
      model: "@shared",
      max_tokens: 32,
      temperature: 0,
      messages: [{ role: "user" as const, content: "Spell the word cache." }],
    };
    const noStore = await openai.chat.completions
      .create(body, { headers: { "Cache-Control": "no-store" } })
      .withResponse();
    expect(noStore.response.headers.get("x-modelux-cache")).toBe("SKIP");
    const afterNoStore = await openai.chat.completions.create(body).withResponse();
    expect(afterNoStore.response.headers.get("x-modelux-cache")).toBe("MISS");
    await waitUntil(() => first.context.cache.stats.entries >= 3);
    const noCache = await openai.chat.completions
      .create(body, { headers: { "Cache-Control": "no-cache" } })
      .withResponse();
    expect(noCache.response.headers.get("x-modelux-cache")).toBe("SKIP");
    const skipped = await openai.chat.completions
      .create({ ...body, "mlx:cache": { skip: true } } as typeof body)
      .withResponse();
    expect(skipped.response.headers.get("x-modelux-cache")).toBe("SKIP");
    expect(
      traceOf(first, skipped.response.headers.get("x-modelux-request-id"))?.cache_detail?.reason,
    ).toBe("mlx:cache.skip");
    const hit = await openai.chat.completions.create(body).withResponse();
    expect(hit.response.headers.get("x-modelux-cache")).toBe("HIT");
    // no-store, the miss, no-cache and skip went upstream; the hit did not.
    expect((await upstreamCalls(first)).anthropic?.["claude-sonnet-4-5"]).toBe(4);
    const refused = await fetch(`${first.baseUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: "Bearer mlx_sk_harnessharnessharness01",
        "content-type": "application/json",
      },
      body: JSON.stringify({ ...body, "mlx:cache": { ttl: 5 } }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("mlx:cache.ttl");
  });

  test("sampled requests are skipped unless the config allows them", async () => {
    const openai = openAiClient(first);
    const messages = [{ role: "user" as const, content: "Write a word." }];
    const unset = await openai.chat.completions
      .create({ model: "@shared", max_tokens: 16, messages })
      .withResponse();
    expect(unset.response.headers.get("x-modelux-cache")).toBe("SKIP");
    const sampled = { model: "@sampled", max_tokens: 16, temperature: 0.7, messages };
    expect(
      (await openai.chat.completions.create(sampled).withResponse()).response.headers.get(
        "x-modelux-cache",
      ),
    ).toBe("MISS");
    await waitUntil(() => first.context.cache.stats.entries >= 4);
    expect(
      (await openai.chat.completions.create(sampled).withResponse()).response.headers.get(
        "x-modelux-cache",
      ),
    ).toBe("HIT");
  });

  test("the Responses API under a caching config says SKIP with the reason; both calls go upstream", async () => {
    const openai = openAiClient(first);
    const request = { model: "@responses", input: "Name one colour.", temperature: 0 };
    const entries = first.context.cache.stats.entries;
    for (const stream of [false, true, false]) {
      const sent = stream
        ? openai.responses.create({ ...request, stream: true })
        : openai.responses.create(request);
      const { data, response } = await sent.withResponse();
      if (stream) for await (const _event of data as AsyncIterable<unknown>);
      expect(response.headers.get("x-modelux-cache")).toBe("SKIP");
      const trace = traceOf(first, response.headers.get("x-modelux-request-id"));
      expect(trace?.cache).toBe("skip");
      expect(trace?.cache_detail?.reason).toBe(UNCACHED_SURFACE_REASON);
      expect(trace?.cache_detail?.stored).toBe(false);
    }
    // Every one of the three reached the provider (the call log counts per format and model).
    const calls = Object.values(await upstreamCalls(first));
    expect(calls.reduce((sum, perModel) => sum + (perModel["gpt-4o-mini"] ?? 0), 0)).toBe(3);
    expect(first.context.cache.stats.entries).toBe(entries);
  });

  test("semantic: a paraphrase hits with its similarity, unrelated text misses", async () => {
    const openai = openAiClient(first);
    const ask = (content: string) =>
      openai.chat.completions
        .create({
          model: "@semantic",
          max_tokens: 32,
          temperature: 0,
          messages: [{ role: "user", content }],
        })
        .withResponse();
    const original = await ask("What is the capital of France?");
    expect(original.response.headers.get("x-modelux-cache")).toBe("MISS");
    await waitUntil(() => first.context.cache.stats.indexed >= 1);
    const paraphrase = await ask("what is the capital city of France");
    expect(paraphrase.response.headers.get("x-modelux-cache")).toBe("HIT");
    expect(Number(paraphrase.response.headers.get("x-modelux-cache-similarity"))).toBeGreaterThan(
      0.85,
    );
    expect(paraphrase.data.choices[0]?.message.content).toBe(
      original.data.choices[0]?.message.content ?? "",
    );
    const unrelated = await ask("How do I bake sourdough bread at home?");
    expect(unrelated.response.headers.get("x-modelux-cache")).toBe("MISS");
    const calls = await upstreamCalls(first);
    expect(calls.openai?.["gpt-4o-mini"]).toBe(2);
    // Each lookup embedded its conversation once, through the gateway's own adapter, priced.
    expect(calls.openai?.["text-embedding-3-small"]).toBe(3);
    const trace = traceOf(first, paraphrase.response.headers.get("x-modelux-request-id"));
    expect(trace?.attempts.map((attempt) => attempt.role)).toEqual(["cache embedding"]);
    expect(trace?.cost_usd).toBeGreaterThan(0);
    expect(trace?.cache_detail?.similarity).toBeGreaterThan(0.85);
  });

  test("another data plane sharing the bus store hits the first one's entry; a purge drops it there", async () => {
    const body = {
      model: "@shared",
      max_tokens: 32,
      temperature: 0,
      messages: [{ role: "user" as const, content: "Which planet is largest?" }],
    };
    const filled = await openAiClient(first).chat.completions.create(body).withResponse();
    expect(filled.response.headers.get("x-modelux-cache")).toBe("MISS");
    await waitUntil(
      async () =>
        (
          await openAiClient(second).chat.completions.create(body).withResponse()
        ).response.headers.get("x-modelux-cache") === "HIT",
    );
    // The purge as the control plane makes it: a marker in the shared store, then the event.
    const purgedAt = Date.now();
    await ResponseCache.writePurge(
      state,
      { orgId: "org_h", projectId: "prj_h", configSlug: "shared" },
      purgedAt,
    );
    applyPurgeEvent(second.context.cache, {
      type: "cache.purge",
      org_id: "org_h",
      project_id: "prj_h",
      config_slug: "shared",
      purged_at: purgedAt,
    });
    const after = await openAiClient(second).chat.completions.create(body).withResponse();
    expect(after.response.headers.get("x-modelux-cache")).toBe("MISS");
  });

  test("/metrics counts the cache's hits, misses and skips by route and the cost hits saved", async () => {
    const openai = openAiClient(first);
    const body = {
      model: "@metered",
      max_tokens: 32,
      temperature: 0,
      messages: [{ role: "user" as const, content: "Count the cache, please." }],
    };
    const entries = first.context.cache.stats.entries;
    const miss = await openai.chat.completions.create(body).withResponse();
    expect(miss.response.headers.get("x-modelux-cache")).toBe("MISS");
    const missCost = Number(miss.response.headers.get("x-modelux-cost-usd"));
    expect(missCost).toBeGreaterThan(0);
    await stored(first, entries + 1);
    for (let index = 0; index < 2; index++) {
      const hit = await openai.chat.completions.create(body).withResponse();
      expect(hit.response.headers.get("x-modelux-cache")).toBe("HIT");
    }
    const skipped = await openai.chat.completions
      .create({ ...body, temperature: 1 })
      .withResponse();
    expect(skipped.response.headers.get("x-modelux-cache")).toBe("SKIP");

    const samples = parseSamples(await (await fetch(`${first.baseUrl}/metrics`)).text());
    const count = (result: string) =>
      sumOf(samples, "modelux_cache_requests_total", { route: "@metered", mode: "exact", result });
    expect(count("miss")).toBe(1);
    expect(count("hit")).toBe(2);
    expect(count("skip")).toBe(1);
    // Each hit saved what the miss's upstream call cost.
    expect(sumOf(samples, "modelux_cache_saved_usd_total", { route: "@metered" })).toBeCloseTo(
      2 * missCost,
      9,
    );
  });

  test("embeddings through the OpenAI SDK: an exact hit, free against budgets, its savings in the row", async () => {
    const openai = openAiClient(first);
    const body = { model: "@embed", input: ["The cache keeps embeddings.", "Second input."] };
    const entries = first.context.cache.stats.entries;
    const miss = await openai.embeddings.create(body).withResponse();
    expect(miss.response.headers.get("x-modelux-cache")).toBe("MISS");
    const missTrace = traceOf(first, miss.response.headers.get("x-modelux-request-id"));
    expect(missTrace?.cost_usd).toBeGreaterThan(0);
    await stored(first, entries + 1);

    const before = first.context.budgets.pendingUsd();
    // `user` says nothing about the answer: the same entry.
    const hit = await openai.embeddings.create({ ...body, user: "someone" }).withResponse();
    expect(hit.response.headers.get("x-modelux-cache")).toBe("HIT");
    expect(hit.response.headers.get("x-modelux-model-used")).toBe("text-embedding-3-small");
    expect(hit.data.data.map((item) => item.embedding)).toEqual(
      miss.data.data.map((item) => item.embedding),
    );
    expect(hit.data.data).toHaveLength(2);
    expect(hit.response.headers.get("x-modelux-request-id")).not.toBe(
      miss.response.headers.get("x-modelux-request-id"),
    );
    expect(first.context.budgets.pendingUsd()).toBe(before);
    expect((await upstreamCalls(first)).openai?.["text-embedding-3-small"]).toBe(1);
    const trace = traceOf(first, hit.response.headers.get("x-modelux-request-id"));
    expect(trace?.cache).toBe("hit");
    expect(trace?.attempts).toEqual([]);
    expect(trace?.cost_usd).toBe(0);
    expect(trace?.cache_detail?.saved_usd).toBe(missTrace?.cost_usd ?? -1);
    const row = requestLogRow(trace as NonNullable<typeof trace>);
    expect(row.cache).toBe("hit");
    expect(row.cost_usd).toBe(0);
    expect(row.cache_saved_usd).toBe(missTrace?.cost_usd ?? -1);

    // Another input, another size: misses. no-store: neither read nor kept.
    const other = await openai.embeddings.create({ ...body, input: "Other text." }).withResponse();
    expect(other.response.headers.get("x-modelux-cache")).toBe("MISS");
    const smaller = await openai.embeddings.create({ ...body, dimensions: 8 }).withResponse();
    expect(smaller.response.headers.get("x-modelux-cache")).toBe("MISS");
    expect(smaller.data.data[0]?.embedding).toHaveLength(8);
    const noStore = await openai.embeddings
      .create(body, { headers: { "Cache-Control": "no-store" } })
      .withResponse();
    expect(noStore.response.headers.get("x-modelux-cache")).toBe("SKIP");
    expect((await upstreamCalls(first)).openai?.["text-embedding-3-small"]).toBe(4);
  });

  test("embeddings under a semantic config are looked up by exact key: a paraphrase misses", async () => {
    const openai = openAiClient(first);
    const entries = first.context.cache.stats.entries;
    const body = { model: "@embed_semantic", input: "Where is the nearest train station?" };
    const miss = await openai.embeddings.create(body).withResponse();
    expect(miss.response.headers.get("x-modelux-cache")).toBe("MISS");
    expect(
      traceOf(first, miss.response.headers.get("x-modelux-request-id"))?.cache_detail,
    ).toMatchObject({ mode: "exact", reason: expect.stringContaining("semantic does not apply") });
    await stored(first, entries + 1);
    const paraphrase = await openai.embeddings
      .create({ ...body, input: "Where is the closest train station?" })
      .withResponse();
    expect(paraphrase.response.headers.get("x-modelux-cache")).toBe("MISS");
    const same = await openai.embeddings.create(body).withResponse();
    expect(same.response.headers.get("x-modelux-cache")).toBe("HIT");
    expect(same.response.headers.get("x-modelux-cache-similarity")).toBeNull();
  });
});
