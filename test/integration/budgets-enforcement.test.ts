// Budget enforcement on one data plane through both surfaces (DESIGN §7): the 402 body and
// headers exactly, as the official SDKs (and @modelux/sdk's BudgetExceededError) read them;
// warn_only and downgrade; which scopes apply; fail modes; reservations of requests in flight;
// budget.used_pct in custom_rules; passthrough endpoints enforced too. The fleet's totals are
// fed in as the control plane's broadcast would.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import {
  anthropicClient,
  type GatewayHarness,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { routingClient } from "../support/routing-client.ts";

const MONTH = periodKey(periodWindow("monthly", Date.now()).startMs);

/** A custom_rules rule as the config writes it; `then` is the config's key (DESIGN §6). */
function when(condition: string, target: string) {
  // biome-ignore lint/suspicious/noThenProperty: the config's own key, never awaited
  return { if: condition, then: target };
}

describe("budget enforcement on the surfaces", () => {
  let harness: GatewayHarness;
  let client: ReturnType<typeof routingClient>;
  let version = 1;
  /**
   * Sets the fleet totals as a control-plane broadcast would (budget id → USD this month), as
   * one that has applied everything this node spent so far.
   */
  const totals = async (spend: Record<string, number>) => {
    await harness.context.budgets.flush(null);
    harness.context.budgets.applyState({
      version: version++,
      totals: Object.entries(spend).map(([budget_id, usd]) => ({
        budget_id,
        period_start: MONTH,
        usd,
      })),
      applied: { harness: Number.MAX_SAFE_INTEGER },
    });
  };

  beforeAll(() => {
    harness = startGatewayHarness({
      routingConfigs: {
        smart: {
          strategy: "custom_rules",
          rules: [
            when("budget.used_pct > 0.5", "openai/gpt-4o-mini"),
            { else: "anthropic/claude-sonnet-4-5" },
          ],
        },
      },
      budgets: [
        // bud_0: the tenant's project, blocking.
        {
          name: "team-ml",
          scope_type: "project",
          project_id: "prj_h",
          scope_value: "prj_h",
          cap_usd: 100,
        },
        // bud_1: one customer, warn only.
        {
          name: "cust-warn",
          scope_type: "customer",
          scope_value: "warn-user",
          cap_usd: 1,
          action: "warn_only",
        },
        // bud_2: a feature tag, downgrading to a cheaper model.
        {
          name: "feat-down",
          scope_type: "feature",
          scope_value: "feature=summary",
          cap_usd: 1,
          action: "downgrade",
          downgrade_to: "openai/gpt-4o-mini",
        },
        // bud_3: a route, config traffic only.
        {
          name: "route-anthropic",
          scope_type: "route",
          project_id: "prj_h",
          scope_value: "anthropic",
          cap_usd: 1,
        },
        // bud_4: fail closed, for one customer.
        {
          name: "strict",
          scope_type: "customer",
          scope_value: "strict-user",
          cap_usd: 50,
          fail_mode: "closed",
          stale_after_ms: 500,
        },
        // bud_6 (below): a customer budget narrowed to another project never applies here.
        // bud_5: a tiny cap for one customer, to see reservations of requests in flight.
        { name: "tiny", scope_type: "customer", scope_value: "tiny-user", cap_usd: 0.000_01 },
        {
          name: "elsewhere",
          scope_type: "customer",
          scope_value: "warn-user",
          project_id: "prj_other",
          cap_usd: 1,
        },
      ],
    });
    client = routingClient(harness);
  });
  afterAll(() => harness.stop());
  beforeEach(async () => {
    await client.reset();
    await totals({});
  });

  test("under the cap: served, with the tightest budget's name, remaining and reset", async () => {
    await totals({ bud_0: 42 });
    const result = await client.openai("@openai");
    expect(result.status).toBe(200);
    expect(result.headers.get("x-modelux-budget-name")).toBe("team-ml");
    expect(Number(result.headers.get("x-modelux-budget-remaining"))).toBeCloseTo(58, 2);
    expect(result.headers.get("x-modelux-budget-reset")).toBe(
      new Date(periodWindow("monthly", Date.now()).endMs).toISOString(),
    );
    expect(result.headers.get("x-modelux-budget-action")).toBeNull();
    const trace = client.traceOf(result);
    expect(trace.budgets).toEqual([{ name: "team-ml", used_pct: 0.42, action: "none" }]);
  });

  test("at the cap: the 402 of DESIGN §7 on the OpenAI surface, byte for byte in shape", async () => {
    await totals({ bud_0: 105 });
    const result = await client.openai("@openai");
    expect(result.status).toBe(402);
    const resets = new Date(periodWindow("monthly", Date.now()).endMs).toISOString();
    expect(result.body).toEqual({
      error: {
        type: "budget_exceeded",
        message: 'budget "team-ml" exceeded ($105.00 / $100.00)',
        code: 402,
        budget: {
          name: "team-ml",
          spend_usd: 105,
          cap_usd: 100,
          period: "monthly",
          period_resets_at: resets,
        },
      },
    });
    expect(result.headers.get("x-modelux-budget-name")).toBe("team-ml");
    expect(result.headers.get("x-modelux-budget-action")).toBe("block");
    expect(result.headers.get("x-modelux-budget-reset")).toBe(resets);
    const retryAfter = Number(result.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(Math.abs(Date.now() / 1000 + retryAfter - Date.parse(resets) / 1000)).toBeLessThan(5);
    // Nothing reached a provider.
    expect(await client.calls()).toEqual({});
    expect(client.traceOf(result).budgets).toEqual([
      { name: "team-ml", used_pct: 1.05, action: "block" },
    ]);
  });

  test("the OpenAI SDK surfaces it as @modelux/sdk's BudgetExceededError reads it", async () => {
    await totals({ bud_0: 105 });
    const openai = openAiClient(harness);
    const error = await openai.chat.completions
      .create({ model: "@openai", messages: [{ role: "user", content: "hi" }] })
      .then(
        () => null,
        (thrown: unknown) => thrown,
      );
    // @modelux/sdk (modelux-node, src/client.ts handleBudgetError): an OpenAI.APIError with
    // status 402 whose `error` has `budget`, retry-after from the headers.
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(402);
    const body = apiError.error as {
      type: string;
      message: string;
      budget: Record<string, unknown>;
    };
    expect(body.type).toBe("budget_exceeded");
    expect(body.budget).toMatchObject({
      name: "team-ml",
      spend_usd: 105,
      cap_usd: 100,
      period: "monthly",
    });
    expect(Number.parseInt(apiError.headers?.get("retry-after") ?? "", 10)).toBeGreaterThan(0);
  });

  test("the Anthropic surface and SDK get the same budget in Anthropic's error shape", async () => {
    await totals({ bud_0: 105 });
    const raw = await client.anthropic("@anthropic");
    expect(raw.status).toBe(402);
    expect(raw.body).toMatchObject({
      type: "error",
      error: { type: "budget_exceeded", code: 402, budget: { name: "team-ml", cap_usd: 100 } },
    });
    const anthropic = anthropicClient(harness);
    const error = await anthropic.messages
      .create({ model: "@anthropic", max_tokens: 32, messages: [{ role: "user", content: "hi" }] })
      .then(
        () => null,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
  });

  test("passthrough endpoints are enforced too", async () => {
    await totals({ bud_0: 100 });
    const embeddings = await client.post("/openai/v1/embeddings", {
      model: "openai/text-embedding-3-small",
      input: "hello",
    });
    expect(embeddings.status).toBe(402);
    const counting = await client.post("/anthropic/v1/messages/count_tokens", {
      model: "@anthropic",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(counting.status).toBe(402);
  });

  test("warn_only at the cap serves and says so", async () => {
    await totals({ bud_1: 2 });
    const result = await client.openai("@openai", { "mlx:end_user": "warn-user" });
    expect(result.status).toBe(200);
    expect(result.headers.get("x-modelux-budget-action")).toBe("warn_only");
    expect(result.headers.get("x-modelux-budget-name")).toBe("cust-warn");
    // bud_6 names the same user in another project: it does not apply here.
    expect(client.traceOf(result).budgets.map((budget) => budget.name)).toEqual([
      "team-ml",
      "cust-warn",
    ]);
    // Another user is not under that budget.
    const other = await client.openai("@openai", { "mlx:end_user": "someone-else" });
    expect(other.headers.get("x-modelux-budget-action")).toBeNull();
  });

  test("downgrade at the cap serves the configured cheaper target, in headers and trace", async () => {
    await totals({ bud_2: 1.5 });
    const result = await client.openai(
      "@anthropic",
      {},
      { "x-modelux-user-tags": "feature=summary" },
    );
    expect(result.status).toBe(200);
    expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
    expect(result.headers.get("x-modelux-budget-action")).toBe("downgrade");
    const trace = client.traceOf(result);
    expect(trace.decision.reason).toContain(
      'budget "feat-down" at its cap: downgraded to openai/gpt-4o-mini',
    );
    expect(trace.budgets.find((budget) => budget.name === "feat-down")?.action).toBe("downgrade");
  });

  test("a route budget applies to its config's traffic only; org-wide ones to every name", async () => {
    await totals({ bud_3: 5 });
    expect((await client.openai("@anthropic")).status).toBe(402);
    // The same model named directly is not route traffic.
    expect((await client.openai("anthropic/claude-sonnet-4-5")).status).toBe(200);
    await totals({ bud_0: 100 });
    // The project budget holds however the model is named.
    expect((await client.openai("anthropic/claude-sonnet-4-5")).status).toBe(402);
    expect((await client.openai("claude-sonnet-4-5")).status).toBe(402);
  });

  test("fail closed: with no fresh totals the budget blocks; fail open serves", async () => {
    // The last broadcast (beforeEach) is fresh: served.
    expect((await client.openai("@openai", { "mlx:end_user": "strict-user" })).status).toBe(200);
    await Bun.sleep(600);
    const stale = await client.openai("@openai", { "mlx:end_user": "strict-user" });
    expect(stale.status).toBe(402);
    expect((stale.body.error as { message: string }).message).toContain("fails closed");
    // The open budgets of other users still serve on the stale view.
    expect((await client.openai("@openai")).status).toBe(200);
  });

  test("custom_rules read budget.used_pct", async () => {
    await totals({ bud_0: 10 });
    expect((await client.openai("@smart")).headers.get("x-modelux-model-used")).toBe(
      "claude-sonnet-4-5",
    );
    await totals({ bud_0: 60 });
    expect((await client.openai("@smart")).headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
  });

  test("a request in flight holds a reservation: a concurrent one over the cap is refused", async () => {
    await client.fault({ model: "gpt-4o-mini", stall_ms: 300, count: 1 });
    const first = client.openai("@openai", { "mlx:end_user": "tiny-user", max_tokens: 100 });
    await Bun.sleep(100);
    const second = await client.openai("@openai", { "mlx:end_user": "tiny-user", max_tokens: 100 });
    expect(second.status).toBe(402);
    expect((await first).status).toBe(200);
  });

  test("cost: X-Modelux-Cost-Usd and the trace match usage × the catalog's price", async () => {
    const result = await client.openai("@openai");
    const usage = result.body.usage as { prompt_tokens: number; completion_tokens: number };
    const price = lookupModel("openai", "gpt-4o-mini").price;
    // gpt-4o-mini: $0.15 / $0.60 per million input / output tokens.
    expect(price.input).toBeCloseTo(0.15e-6, 15);
    expect(price.output).toBeCloseTo(0.6e-6, 15);
    const expected = usage.prompt_tokens * 0.15e-6 + usage.completion_tokens * 0.6e-6;
    expect(Number(result.headers.get("x-modelux-cost-usd"))).toBeCloseTo(expected, 12);
    const trace = client.traceOf(result);
    expect(trace.cost_usd).toBeCloseTo(expected, 12);
    expect(
      costUsd(
        trace.usage ?? {
          inputTokens: 0,
          outputTokens: 0,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
        price,
      ),
    ).toBeCloseTo(expected, 12);
  });

  test("spend is recorded for the fleet: the node's pending spend grows by the request's cost", async () => {
    const before = harness.context.budgets.pendingUsd();
    const result = await client.openai("@openai", { stream: true });
    expect(result.status).toBe(200);
    const cost = client.traceOf(result).cost_usd ?? 0;
    expect(cost).toBeGreaterThan(0);
    // One project budget applies: its key gets the cost once.
    expect(harness.context.budgets.pendingUsd() - before).toBeCloseTo(cost, 12);
  });
});
