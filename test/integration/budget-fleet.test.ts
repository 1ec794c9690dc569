// Budgets held across a fleet (DESIGN §7), as users run it: one control plane and three data
// planes as processes on real Postgres and NATS. Concurrent streaming and non-streaming load
// through all three until the budget blocks: the recorded spend is every request's cost exactly
// once, the overshoot stays within the documented bound (printed), and once every node has seen
// the total nothing more is admitted. With NATS stopped, a fail-closed budget blocks and a
// fail-open one serves; the spend recorded during the outage is counted once NATS is back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import { budgetSpend } from "../../controlplane/db/schema/index.ts";
import { startFleet, type TestFleet } from "../support/fleet.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const MODEL = "openai/gpt-4o-mini";
const PRICE = lookupModel("openai", "gpt-4o-mini").price;

interface Outcome {
  startedAt: number;
  endedAt: number;
  status: number;
  costUsd: number;
}

describe.skipIf(servicesAbsent)("budgets across a fleet", () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startFleet({ name: "budget-fleet", dataPlanes: 3 });
  }, 90_000);
  afterAll(() => fleet?.stop());

  /** One chat request through a data plane; its cost as the gateway's usage says. */
  const chat = async (url: string, stream: boolean, user: string): Promise<Outcome> => {
    const startedAt = performance.now();
    const response = await fetch(`${url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${fleet.tenant.proxyKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 64,
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
        "mlx:end_user": user,
        messages: [{ role: "user", content: `spend a little (${Math.random()})` }],
      }),
    });
    const text = await response.text();
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    if (response.status === 200) {
      if (stream) {
        for (const line of text.split("\n")) {
          if (!line.startsWith("data: {")) continue;
          const chunk = JSON.parse(line.slice(6)) as { usage?: typeof usage | null };
          if (chunk.usage) usage = chunk.usage;
        }
      } else usage = (JSON.parse(text) as { usage: typeof usage }).usage;
    }
    const cost = usage
      ? costUsd(
          {
            inputTokens: usage.prompt_tokens,
            outputTokens: usage.completion_tokens,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            reasoningTokens: 0,
          },
          PRICE,
        )
      : 0;
    return { startedAt, endedAt: performance.now(), status: response.status, costUsd: cost };
  };

  const createBudget = async (body: Record<string, unknown>) => {
    const created = await fleet.manage("POST", "/budgets", { period: "daily", ...body });
    if (created.status !== 201) throw new Error(JSON.stringify(created.json));
    const id = created.data.id as string;
    // Every data plane has the budget once it names it in its headers.
    await waitUntil(
      async () => {
        const answers = await Promise.all(
          fleet.dataPlanes.map((plane) =>
            fetch(`${plane.url}/openai/v1/chat/completions`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${fleet.tenant.proxyKey}`,
                "content-type": "application/json",
                "x-modelux-dry-run": "true",
              },
              body: JSON.stringify({
                model: MODEL,
                "mlx:end_user": (body.scope as { value?: string }).value ?? "",
                messages: [{ role: "user", content: "hi" }],
              }),
            }),
          ),
        );
        return answers.every((answer) => answer.headers.get("x-modelux-budget-name") === body.name);
      },
      {
        timeoutMs: 10_000,
        intervalMs: 50,
        message: `budget ${String(body.name)} not on every data plane`,
      },
    );
    return id;
  };

  const recordedSpend = async (budgetId: string) => {
    const rows = await fleet.database.handle.db
      .select({ usd: budgetSpend.spend_usd })
      .from(budgetSpend)
      .where(eq(budgetSpend.budget_id, budgetId));
    return rows.reduce((sum, row) => sum + Number(row.usd), 0);
  };

  /** Waits until the recorded spend stops moving (every node's deltas applied). */
  const settledSpend = async (budgetId: string) => {
    let last = -1;
    let stableSince = performance.now();
    for (;;) {
      const spend = await recordedSpend(budgetId);
      if (Math.abs(spend - last) > 1e-12) {
        last = spend;
        stableSince = performance.now();
      } else if (performance.now() - stableSince > 1_500) return spend;
      await Bun.sleep(100);
    }
  };

  test("concurrent load on three nodes stops at the cap; spend is exact and the overshoot bounded", async () => {
    const cap = 0.02;
    const user = "load-user";
    const budgetId = await createBudget({
      name: "fleet-cap",
      scope: { type: "customer", value: user },
      cap_usd: cap,
      soft_thresholds: [0.5, 0.8],
      action: "block",
    });
    const outcomes: Outcome[] = [];
    const loadStarted = performance.now();
    // Four workers per data plane, half streaming; each stops after three refusals in a row.
    const workers = fleet.dataPlanes.flatMap((plane) =>
      [false, true, false, true].map(async (stream) => {
        let refusals = 0;
        while (refusals < 3 && performance.now() - loadStarted < 60_000) {
          const outcome = await chat(plane.url, stream, user);
          outcomes.push(outcome);
          refusals = outcome.status === 402 ? refusals + 1 : 0;
          if (outcome.status !== 200 && outcome.status !== 402)
            throw new Error(`unexpected ${outcome.status}\n${fleet.output()}`);
        }
      }),
    );
    await Promise.all(workers);
    const served = outcomes.filter((outcome) => outcome.status === 200);
    const clientSpend = served.reduce((sum, outcome) => sum + outcome.costUsd, 0);
    const spend = await settledSpend(budgetId);

    // The moment the served requests' cumulative cost crossed the cap, by completion time.
    const byEnd = [...served].sort((a, b) => a.endedAt - b.endedAt);
    let cumulative = 0;
    let crossingAt = Number.POSITIVE_INFINITY;
    // The request whose completion crossed the cap passes it by what remains of its own cost.
    let crossingExcess = 0;
    for (const outcome of byEnd) {
      cumulative += outcome.costUsd;
      if (cumulative >= cap) {
        crossingAt = outcome.endedAt;
        crossingExcess = cumulative - cap;
        break;
      }
    }
    const inFlight = served.filter(
      (outcome) => outcome.startedAt < crossingAt && outcome.endedAt > crossingAt,
    );
    const inFlightUsd = inFlight.reduce((sum, outcome) => sum + outcome.costUsd, 0);
    const admittedAfter = served.filter((outcome) => outcome.startedAt >= crossingAt);
    const overshoot = spend - cap;
    const admittedAfterUsd = admittedAfter.reduce((sum, outcome) => sum + outcome.costUsd, 0);
    // docs/budgets.md, "The overshoot bound": the crossing request's remainder, what was in
    // flight at the crossing, plus what a node admits before its peers' spend reaches it (one
    // bus hop near the cap). How many requests that hop lets in depends on the machine's load,
    // so it is bounded by count: each client at most once, never a run of them.
    const bound = Math.max(0.02 * cap, crossingExcess + inFlightUsd + admittedAfterUsd);
    console.log(
      `fleet budget: cap $${cap}, recorded $${spend.toFixed(8)} (client-side $${clientSpend.toFixed(8)}), ` +
        `${served.length} served / ${outcomes.length - served.length} refused; overshoot $${overshoot.toFixed(8)} ` +
        `(${((overshoot / cap) * 100).toFixed(2)}% of the cap); in flight at the crossing: ${inFlight.length} ` +
        `requests, $${inFlightUsd.toFixed(8)}; admitted after the crossing: ${admittedAfter.length}; bound $${bound.toFixed(8)}`,
    );
    // Every served request counted exactly once.
    expect(spend).toBeCloseTo(clientSpend, 9);
    expect(spend).toBeGreaterThanOrEqual(cap);
    expect(overshoot).toBeLessThanOrEqual(bound + 1e-12);
    expect(admittedAfter.length).toBeLessThanOrEqual(workers.length);

    // Every node has seen the total: nothing more is admitted anywhere, on either surface.
    for (const plane of fleet.dataPlanes) {
      for (const stream of [false, true]) {
        expect((await chat(plane.url, stream, user)).status).toBe(402);
      }
    }
    // Alerts: both thresholds and the cap, once each for the period.
    const events = await fleet.manage("GET", `/budgets/${budgetId}/events`);
    const kinds = (events.json.data as Array<{ type: string; threshold: number }>).map(
      (event) => `${event.type}@${event.threshold}`,
    );
    expect(kinds.sort()).toEqual(["exceeded@1", "threshold_reached@0.5", "threshold_reached@0.8"]);
  }, 120_000);

  test("NATS down: fail closed blocks, fail open serves; the outage's spend is counted once it is back", async () => {
    const closedId = await createBudget({
      name: "closed-budget",
      scope: { type: "customer", value: "closed-user" },
      cap_usd: 100,
      fail_mode: "closed",
      stale_after_ms: 2_000,
    });
    const openId = await createBudget({
      name: "open-budget",
      scope: { type: "customer", value: "open-user" },
      cap_usd: 100,
      fail_mode: "open",
      stale_after_ms: 2_000,
    });
    const before = await Promise.all(
      fleet.dataPlanes.map((plane) => chat(plane.url, false, "open-user")),
    );
    expect(before.every((outcome) => outcome.status === 200)).toBe(true);

    await fleet.nats.stop();
    await Bun.sleep(2_500);
    const during: Outcome[] = [];
    for (const plane of fleet.dataPlanes) {
      expect((await chat(plane.url, false, "closed-user")).status).toBe(402);
      for (const stream of [false, true]) {
        const outcome = await chat(plane.url, stream, "open-user");
        expect(outcome.status).toBe(200);
        during.push(outcome);
      }
    }
    await fleet.nats.start();
    const expected = [...before, ...during].reduce((sum, outcome) => sum + outcome.costUsd, 0);
    await waitUntil(async () => Math.abs((await recordedSpend(openId)) - expected) < 1e-9, {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: `outage spend not counted (expected $${expected})`,
    }).catch(async (error: Error) => {
      throw new Error(
        `${error.message}: recorded $${await recordedSpend(openId)}\n${fleet.output()}`,
      );
    });
    // Counted once: it stays there.
    expect(await settledSpend(openId)).toBeCloseTo(expected, 9);
    expect(await recordedSpend(closedId)).toBe(0);
    // With fresh totals again, the fail-closed budget serves.
    await waitUntil(
      async () => (await chat(fleet.dataPlanes[0]?.url ?? "", false, "closed-user")).status === 200,
      {
        timeoutMs: 15_000,
        intervalMs: 200,
        message: "fail-closed budget still blocking after NATS came back",
      },
    );
  }, 120_000);
});
