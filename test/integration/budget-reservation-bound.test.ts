// One request cannot block its org (issue 14, point 5), end to end on one data plane: a slow
// request asking for far more output than its model can write reserves only what the model can
// cost, so the org's other requests are served meanwhile; output-token values beyond any model are
// 400s naming the field, as the official SDKs report them; a 402 body's numbers stay numbers.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import { spendKey } from "../../dataplane/budgets/budget-ledger.ts";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { routingClient } from "../support/routing-client.ts";
import { waitUntil } from "../support/wait.ts";

const MONTH = periodKey(periodWindow("monthly", Date.now()).startMs);
const ORG_BUDGET = spendKey("bud_0", MONTH);

describe("reservations are bounded by the model; absurd output-token values are refused", () => {
  let harness: GatewayHarness;
  let client: ReturnType<typeof routingClient>;
  let version = 1;
  const totals = async (usd: number) => {
    await harness.context.budgets.flush(null);
    harness.context.budgets.applyState({
      version: version++,
      totals: usd === 0 ? [] : [{ budget_id: "bud_0", period_start: MONTH, usd }],
      applied: { harness: Number.MAX_SAFE_INTEGER },
    });
  };

  beforeAll(() => {
    harness = startGatewayHarness({
      // gpt-4o-mini writes at most 16,384 tokens ($0.0098 at $0.60 per million); the cap is ten
      // times that, and a tenth of what `max_tokens: 1000000` would reserve unbounded ($0.60).
      budgets: [{ name: "org-cap", scope_type: "org", cap_usd: 0.1 }],
    });
    client = routingClient(harness);
  });
  afterAll(() => harness.stop());
  beforeEach(async () => {
    await client.reset();
    await totals(0);
  });

  test("a slow request with a huge max_tokens does not make the org's other requests 402", async () => {
    await client.fault({ model: "gpt-4o-mini", stall_ms: 60_000, count: 1 });
    const abort = new AbortController();
    const slow = fetch(`${harness.baseUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${HARNESS_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "@openai",
        max_tokens: 1_000_000,
        messages: [{ role: "user", content: "Write at length." }],
      }),
      signal: abort.signal,
    }).catch(() => null);
    try {
      // The slow request is admitted and holds its reservation (the simulator stalls it).
      const reserved = await waitUntil(
        () => {
          const view = harness.context.budgets.view(ORG_BUDGET);
          return view > 0 ? view : null;
        },
        { timeoutMs: 10_000, message: "the slow request never reserved" },
      );
      const other = await client.openai("@openai", { max_tokens: 50 });
      expect(other.status).toBe(200);
      // What gpt-4o-mini can cost at most (16,384 output tokens), not 1,000,000 tokens' worth.
      expect(reserved).toBeLessThan(0.02);
      // It was judged with the slow request's reservation in the view.
      const [standing] = client.traceOf(other).budgets ?? [];
      expect(standing?.name).toBe("org-cap");
      expect(standing?.used_pct ?? 0).toBeGreaterThan(0);
    } finally {
      abort.abort();
      await slow;
    }
  });

  test("OpenAI SDK: max_tokens 200000000 and max_completion_tokens 1e308 are 400s naming the field", async () => {
    const viewBefore = harness.context.budgets.view(ORG_BUDGET);
    const openai = openAiClient(harness);
    for (const [field, value] of [
      ["max_tokens", 200_000_000],
      ["max_completion_tokens", 1e308],
      ["max_tokens", 2.5],
      ["max_completion_tokens", -3],
    ] as const) {
      const error = await openai.chat.completions
        .create({
          model: "@openai",
          messages: [{ role: "user", content: "hi" }],
          [field]: value,
        })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(OpenAI.APIError);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status).toBe(400);
      expect(apiError.param).toBe(field);
      expect(apiError.message).toContain(`${field}: `);
    }
    // Nothing reached the upstream, and nothing was reserved.
    expect((await client.calls()).openai ?? {}).toEqual({});
    expect(harness.context.budgets.view(ORG_BUDGET)).toBe(viewBefore);
  });

  test("Anthropic SDK: max_tokens 1e308 is a 400 naming the field", async () => {
    // Streamed: the SDK itself refuses a non-streamed request that could take this long.
    const anthropic = anthropicClient(harness);
    const error = await anthropic.messages
      .create({
        model: "@anthropic",
        max_tokens: 1e308,
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(400);
    expect(apiError.message).toContain("max_tokens: must be at most 10000000");
  });

  test("a 402 body says a number even for a view beyond 1e302", async () => {
    await totals(1e303);
    const result = await client.openai("@openai");
    expect(result.status).toBe(402);
    expect(result.text).not.toContain("null");
    const budget = (result.body.error as { budget: { spend_usd: unknown; cap_usd: unknown } })
      .budget;
    expect(budget.spend_usd).toBe(1e303);
    expect(budget.cap_usd).toBe(0.1);
  });
});
