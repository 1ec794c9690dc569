// A data plane's /metrics after traffic of known outcome (docs/operations.md): request counts equal
// the requests sent, the cost counter equals the sum of X-Modelux-Cost-Usd, a fallback, a budget's
// 402 and a key's 429 counted, the node's gauges there; /metrics without a proxy key, restricted by
// MODELUX_METRICS_TOKEN, absent with MODELUX_METRICS=off, and outside the failed-auth limit.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { defaultObservability, defaultRequestLimits } from "#shared/env/settings.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { guardDataPlane } from "../../dataplane/http-guard.ts";
import { KeyLimiter } from "../../dataplane/limits/key-limiter.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import {
  anthropicClient,
  type GatewayHarness,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { parseSamples, type Sample, sumOf } from "../support/prometheus-text.ts";
import { routingClient } from "../support/routing-client.ts";

const LIMITED_KEY = "mlx_sk_metricslimited0000000001";
const MESSAGES = [{ role: "user" as const, content: "Name a color." }];
const TOKEN = "scrape-token-0123456789";
const SCRAPER = { authorization: `Bearer ${TOKEN}` };

describe("data plane /metrics", () => {
  let harness: GatewayHarness;
  let samples: Sample[];
  const costs: number[] = [];
  const statuses: number[] = [];
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));

  beforeAll(async () => {
    harness = startGatewayHarness({
      telemetry: { ...defaultObservability(), MODELUX_METRICS_TOKEN: TOKEN },
      limits: new KeyLimiter({ nodeId: "harness", now: () => clock.now() }),
      apiKeys: [{ id: "key_limited", key: LIMITED_KEY, rpm_limit: 1 }],
      routingConfigs: {
        chain: {
          strategy: "fallback",
          attempts: [{ model: "anthropic/claude-sonnet-4-5" }, { model: "openai/gpt-4o-mini" }],
        },
        capped: { strategy: "single", model: "openai/gpt-4o-mini" },
      },
      budgets: [
        {
          name: "capped-route",
          scope_type: "route",
          project_id: "prj_h",
          scope_value: "capped",
          cap_usd: 0,
        },
      ],
    });
    const routing = routingClient(harness);
    await routing.reset();
    const openai = openAiClient(harness);
    const anthropic = anthropicClient(harness);
    const record = (response: Response) => {
      statuses.push(response.status);
      const cost = response.headers.get("x-modelux-cost-usd");
      if (cost !== null) costs.push(Number(cost));
    };
    for (let index = 0; index < 3; index++) {
      const { response } = await openai.chat.completions
        .create({ model: "@openai", messages: MESSAGES })
        .withResponse();
      record(response);
    }
    for (let index = 0; index < 2; index++) {
      const { response } = await anthropic.messages
        .create({ model: "@anthropic", max_tokens: 100, messages: MESSAGES })
        .withResponse();
      record(response);
    }
    await routing.fault({ model: "claude-sonnet-4-5", status: 503, count: 1 });
    const { response: fellBack } = await openai.chat.completions
      .create({ model: "@chain", messages: MESSAGES })
      .withResponse();
    record(fellBack);
    // The route's budget is at its cap: a 402 before any upstream call.
    const blocked = await routing.openai("@capped");
    expect(blocked.status).toBe(402);
    statuses.push(blocked.status);
    // rpm_limit 1: the key's second request of the minute is a 429.
    for (let index = 0; index < 2; index++) {
      const response = await fetch(`${harness.baseUrl}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${LIMITED_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "@openai", messages: MESSAGES }),
      });
      record(response);
      await response.arrayBuffer();
    }
    // No proxy key on the scrape: the metrics token alone.
    const scrape = await fetch(`${harness.baseUrl}/metrics`, { headers: SCRAPER });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toContain("text/plain");
    samples = parseSamples(await scrape.text());
  });
  afterAll(() => harness.stop());

  test("requests counted once each, by status class, surface, route, provider and model", () => {
    expect(statuses.filter((status) => status === 200)).toHaveLength(7);
    expect(statuses.filter((status) => status === 402 || status === 429)).toHaveLength(2);
    expect(sumOf(samples, "modelux_requests_total")).toBe(statuses.length);
    expect(sumOf(samples, "modelux_requests_total", { status_class: "2xx" })).toBe(7);
    expect(sumOf(samples, "modelux_requests_total", { status_class: "4xx" })).toBe(2);
    // Three from the OpenAI SDK, one from the limited key before its limit.
    expect(
      sumOf(samples, "modelux_requests_total", {
        surface: "openai",
        operation: "chat",
        route: "@openai",
        provider: "openai",
        model: "gpt-4o-mini",
        status_class: "2xx",
      }),
    ).toBe(4);
    expect(
      sumOf(samples, "modelux_requests_total", {
        surface: "anthropic",
        route: "@anthropic",
        provider: "anthropic",
        model: "claude-sonnet-4-5",
      }),
    ).toBe(2);
    expect(
      sumOf(samples, "modelux_requests_total", {
        route: "@capped",
        provider: "none",
        model: "none",
      }),
    ).toBe(1);
    expect(sumOf(samples, "modelux_request_duration_seconds_count")).toBe(statuses.length);
    expect(sumOf(samples, "modelux_gateway_overhead_seconds_count")).toBeGreaterThanOrEqual(7);
  });

  test("the cost counter is the sum of the X-Modelux-Cost-Usd headers", () => {
    expect(costs).toHaveLength(7);
    const headersSum = costs.reduce((sum, cost) => sum + cost, 0);
    expect(headersSum).toBeGreaterThan(0);
    expect(sumOf(samples, "modelux_cost_usd_total")).toBeCloseTo(headersSum, 9);
  });

  test("tokens, the fallback, the budget's block and the key's 429 are counted", () => {
    expect(sumOf(samples, "modelux_tokens_total", { type: "input" })).toBeGreaterThan(0);
    expect(
      sumOf(samples, "modelux_tokens_total", { type: "output", route: "@anthropic" }),
    ).toBeGreaterThan(0);
    expect(sumOf(samples, "modelux_fallbacks_total")).toBe(1);
    expect(sumOf(samples, "modelux_fallbacks_total", { route: "@chain" })).toBe(1);
    expect(
      sumOf(samples, "modelux_upstream_attempts_total", {
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        outcome: "5xx",
      }),
    ).toBe(1);
    expect(
      sumOf(samples, "modelux_budget_actions_total", { budget: "capped-route", action: "block" }),
    ).toBe(1);
    expect(sumOf(samples, "modelux_rate_limited_total", { surface: "openai" })).toBe(1);
  });

  test("the node's gauges: circuits, budgets, snapshot, bus", () => {
    expect(
      sumOf(samples, "modelux_circuit_breaker_state", {
        provider: "anthropic",
        model: "claude-sonnet-4-5",
      }),
    ).toBe(0);
    expect(
      sumOf(samples, "modelux_budget_cap_usd", {
        budget_id: "bud_0",
        budget: "capped-route",
        scope: "route",
      }),
    ).toBe(0);
    expect(samples.some((sample) => sample.name === "modelux_budget_spend_usd")).toBe(true);
    expect(sumOf(samples, "modelux_snapshot_version")).toBeGreaterThanOrEqual(1);
    expect(sumOf(samples, "modelux_snapshot_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(sumOf(samples, "modelux_bus_connected")).toBe(0);
    expect(samples.some((sample) => sample.name === "process_cpu_seconds_total")).toBe(true);
  });

  test("no label carries a client's raw model name", async () => {
    const response = await routingClient(harness).openai("openai/my-own-finetune-xyz");
    expect(response.status).toBe(200);
    const text = await (await fetch(`${harness.baseUrl}/metrics`, { headers: SCRAPER })).text();
    expect(text).not.toContain("my-own-finetune-xyz");
    expect(
      sumOf(parseSamples(text), "modelux_requests_total", { route: "direct", model: "other" }),
    ).toBe(1);
  });

  test("MODELUX_METRICS_TOKEN: only its bearer is answered", async () => {
    const scrape = (headers: Record<string, string>) =>
      fetch(`${harness.baseUrl}/metrics`, { headers });
    const missing = await scrape({});
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe(
      "authentication",
    );
    expect((await scrape({ authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
    const allowed = await scrape(SCRAPER);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain("# TYPE modelux_requests_total counter");
  });

  test("outside the failed-authentication limit, both ways", async () => {
    const limits = { ...defaultRequestLimits(), MODELUX_AUTH_FAILURE_BURST: 2 };
    const guarded = guardDataPlane(createDataPlaneApp(harness.context).fetch, limits);
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: guarded.fetch });
    const base = `http://127.0.0.1:${server.port}`;
    const chat = () =>
      fetch(`${base}/openai/v1/models`, {
        headers: { authorization: "Bearer mlx_sk_wrongwrongwrong01" },
      });
    try {
      // A scraper with a wrong token does not spend the address's failures...
      for (let index = 0; index < 5; index++)
        expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await chat()).status).toBe(401);
      // ...and once failing clients have spent them, the scrape is still answered.
      for (let index = 0; index < 3; index++) await chat();
      expect((await chat()).status).toBe(429);
      expect((await fetch(`${base}/metrics`, { headers: SCRAPER })).status).toBe(200);
    } finally {
      server.stop(true);
    }
  });
});

test("MODELUX_METRICS=off: no /metrics route", async () => {
  const app = createDataPlaneApp(
    createDataPlaneContext({
      nodeId: "metrics-off",
      loader: new SnapshotLoader({ secretBox: new SecretBox(new Uint8Array(32)) }),
      telemetry: { settings: { ...defaultObservability(), MODELUX_METRICS: "off" } },
    }),
  );
  expect((await app.handle(new Request("http://localhost/metrics"))).status).toBe(404);
});
