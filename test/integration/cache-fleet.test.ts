// The response cache across a fleet as users run it (issue 18 §1, docs/caching.md "Across the
// fleet"): a control plane and two data planes as processes on real Postgres and NATS JetStream.
// One data plane's answer is a hit on the other (exact, and semantic on a paraphrase), and a purge
// through the Management API empties both. The simulator's call log says what reached the
// upstream; each wait polls a data plane's /metrics (its cache gauges) with a bounded wait, so a
// request is sent only once the entry has (or has not) reached that node.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFleet, type TestFleet } from "../support/fleet.ts";
import { parseSamples, sumOf } from "../support/prometheus-text.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

describe.skipIf(servicesAbsent)("response cache across a fleet on NATS", () => {
  let fleet: TestFleet;
  const plane = (index: number) => fleet.dataPlanes[index]?.url ?? "";

  beforeAll(async () => {
    fleet = await startFleet({ name: "cache-fleet", dataPlanes: 2 });
    for (const [slug, cache] of [
      ["exact", { mode: "exact", ttl_seconds: 600 }],
      ["near", { mode: "semantic", ttl_seconds: 600, similarity_threshold: 0.8 }],
    ] as const) {
      const created = await fleet.manage("POST", "/routing-configs", {
        project_id: fleet.tenant.projectId,
        slug,
        config: { strategy: "single", model: "openai/gpt-4o-mini", cache },
      });
      if (created.status !== 201)
        throw new Error(`config ${slug}: ${JSON.stringify(created.json)}`);
    }
    // Both configs on both planes (no-store: these requests leave nothing in the cache).
    await waitUntil(
      async () => {
        const answers = await Promise.all(
          [0, 1].flatMap((index) =>
            ["@exact", "@near"].map((model) =>
              chat(plane(index), model, "ready?", { "cache-control": "no-store" }),
            ),
          ),
        );
        return answers.every((answer) => answer.status === 200);
      },
      { timeoutMs: 15_000, intervalMs: 50, message: "the configs are not on both data planes" },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${fleet.output()}`);
    });
  }, 90_000);
  afterAll(() => fleet?.stop(), 30_000);

  async function chat(url: string, model: string, text: string, headers = {}) {
    const response = await fetch(`${url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${fleet.tenant.proxyKey}`,
        "content-type": "application/json",
        ...headers,
      },
      body: JSON.stringify({
        model,
        max_tokens: 32,
        temperature: 0,
        messages: [{ role: "user", content: text }],
      }),
    });
    const json = (await response.json()) as { choices?: Array<{ message: { content: string } }> };
    return {
      status: response.status,
      cache: response.headers.get("x-modelux-cache"),
      similarity: response.headers.get("x-modelux-cache-similarity"),
      text: json.choices?.[0]?.message.content ?? null,
    };
  }

  /** One of a data plane's cache gauges, read from its /metrics. */
  const gauge = async (url: string, name: string) =>
    sumOf(parseSamples(await (await fetch(`${url}/metrics`)).text()), name);
  const until = (what: string, check: () => Promise<boolean>) =>
    waitUntil(check, { timeoutMs: 10_000, intervalMs: 25, message: what }).catch((error: Error) => {
      throw new Error(`${error.message}\n${fleet.output()}`);
    });
  /** Upstream chat calls of gpt-4o-mini since the last reset. */
  const upstreamChats = async () => {
    const log = (await (await fetch(`${fleet.simulator.url}/_sim/calls`)).json()) as {
      counts: Record<string, Record<string, number>>;
    };
    return log.counts.openai?.["gpt-4o-mini"] ?? 0;
  };

  test("an entry one data plane filled is a hit on the other, exact and semantic", async () => {
    await fetch(`${fleet.simulator.url}/_sim/calls`, { method: "DELETE" });
    const question = "Which planet is known as the red planet?";
    const filled = await chat(plane(0), "@exact", question);
    expect(filled).toMatchObject({ status: 200, cache: "MISS" });
    await until("the exact entry did not reach the second data plane", async () => {
      return (await gauge(plane(1), "modelux_cache_entries")) >= 1;
    });
    const hit = await chat(plane(1), "@exact", question);
    expect(hit).toMatchObject({ status: 200, cache: "HIT", text: filled.text });
    expect(await upstreamChats()).toBe(1);

    const original = "How do I reset my account password on the website?";
    const stored = await chat(plane(1), "@near", original);
    expect(stored).toMatchObject({ status: 200, cache: "MISS" });
    await until("the semantic entry's vector did not reach the first data plane", async () => {
      return (await gauge(plane(0), "modelux_cache_indexed_vectors")) >= 1;
    });
    const paraphrase = await chat(
      plane(0),
      "@near",
      "How can I reset my account password on the website?",
    );
    expect(paraphrase).toMatchObject({ status: 200, cache: "HIT", text: stored.text });
    expect(Number(paraphrase.similarity)).toBeGreaterThanOrEqual(0.8);
    expect(Number(paraphrase.similarity)).toBeLessThan(1);
    // Two answers came from upstream (one per config); the two hits did not.
    expect(await upstreamChats()).toBe(2);
  }, 30_000);

  test("a purge through the Management API empties the cache of both data planes", async () => {
    for (const index of [0, 1]) {
      expect(await gauge(plane(index), "modelux_cache_entries")).toBeGreaterThanOrEqual(2);
      expect(await gauge(plane(index), "modelux_cache_indexed_vectors")).toBeGreaterThanOrEqual(1);
    }
    const purged = await fleet.manage(
      "POST",
      `/projects/${fleet.tenant.projectId}/cache/purge`,
      {},
    );
    expect(purged.status).toBe(200);
    expect(purged.data.fleet).toMatchObject({ notified: true, stored: true });
    const answered = performance.now();
    for (const index of [0, 1])
      await until(`data plane ${index + 1} still holds entries after the purge`, async () => {
        const entries = await gauge(plane(index), "modelux_cache_entries");
        const vectors = await gauge(plane(index), "modelux_cache_indexed_vectors");
        return entries === 0 && vectors === 0;
      });
    // Printed, not asserted (a loaded machine stretches it): issue 18 asks for under a second.
    console.log(
      `cache purge: both data planes empty ${(performance.now() - answered).toFixed(0)} ms after the Management API answered (polled every 25 ms)`,
    );
    await fetch(`${fleet.simulator.url}/_sim/calls`, { method: "DELETE" });
    // What each plane served before is asked again from the upstream.
    expect(
      await chat(plane(1), "@exact", "Which planet is known as the red planet?"),
    ).toMatchObject({ status: 200, cache: "MISS" });
    expect(
      await chat(plane(0), "@near", "How can I reset my account password on the website?"),
    ).toMatchObject({ status: 200, cache: "MISS" });
    expect(await upstreamChats()).toBe(2);
  }, 30_000);
});
