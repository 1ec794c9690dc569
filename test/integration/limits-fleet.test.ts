// Per-key limits held across a fleet (docs/limits.md), as users run it: one control plane and
// three data planes as processes on real Postgres and NATS. A key made through the Management API
// with rpm_limit 30 gets a burst of three times that, round robin over the three nodes from six
// concurrent clients: the requests admitted pass the limit by no more than the documented bound
// (printed), and once the counts have gone round, every node refuses the key. A key without a
// limit of its own then takes the project's default the same way.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFleet, type TestFleet } from "../support/fleet.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const NODES = 3;
const CLIENTS = 6;

describe.skipIf(servicesAbsent)("per-key limits across a fleet", () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startFleet({ name: "limits-fleet", dataPlanes: NODES });
  }, 90_000);
  afterAll(() => fleet?.stop());

  const chat = async (url: string, key: string) => {
    const response = await fetch(`${url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "@default",
        max_tokens: 8,
        messages: [{ role: "user", content: "count me" }],
      }),
    });
    await response.arrayBuffer();
    if (response.status !== 200 && response.status !== 429)
      throw new Error(`unexpected ${response.status}\n${fleet.output()}`);
    return response;
  };

  /** Every node knows the key (listing models is not counted against it). */
  const knownEverywhere = (key: string) =>
    waitUntil(
      async () => {
        const answers = await Promise.all(
          fleet.dataPlanes.map((plane) =>
            fetch(`${plane.url}/openai/v1/models`, { headers: { authorization: `Bearer ${key}` } }),
          ),
        );
        return answers.every((answer) => answer.status === 200);
      },
      { timeoutMs: 15_000, intervalMs: 50, message: "the key is not on every data plane" },
    );

  /**
   * `total` requests of `key`, round robin over the nodes from CLIENTS concurrent clients, each
   * waiting for its answer before sending the next. Returns how many were admitted and how long
   * the burst took.
   */
  const burst = async (key: string, total: number) => {
    let sent = 0;
    let admitted = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (sent < total) {
          const plane = fleet.dataPlanes[sent % NODES];
          sent += 1;
          if ((await chat(plane?.url ?? "", key)).status === 200) admitted += 1;
        }
      }),
    );
    return { admitted, seconds: (performance.now() - started) / 1000 };
  };

  /**
   * docs/limits.md, "Across a fleet": a node admits past the limit only what the others admitted
   * that it had not heard of yet; with clients that each wait for their answer, the test allows
   * each client once per other node (the bound docs/budgets.md uses for the same reason), plus
   * what the sliding window frees during the burst when it crosses a minute boundary.
   */
  const bound = (limit: number, seconds: number) =>
    CLIENTS * (NODES - 1) + Math.ceil((limit * seconds) / 60);

  /** After the counts have gone round (a publication interval and a bus hop), every node refuses. */
  const refusedEverywhere = (key: string) =>
    waitUntil(
      async () => {
        const answers = await Promise.all(fleet.dataPlanes.map((plane) => chat(plane.url, key)));
        return answers.every((answer) => answer.status === 429);
      },
      { timeoutMs: 5_000, intervalMs: 200, message: "a node still admits the key" },
    );

  test("a burst round robin over three nodes stays within the documented bound", async () => {
    const limit = 30;
    const created = await fleet.manage("POST", "/api-keys", {
      project_id: fleet.tenant.projectId,
      name: "burst",
      rpm_limit: limit,
    });
    expect(created.status).toBe(201);
    const key = created.data.key as string;
    await knownEverywhere(key);

    const { admitted, seconds } = await burst(key, 3 * limit);
    const overshoot = admitted - limit;
    console.log(
      `fleet limits: rpm_limit ${limit}, ${3 * limit} requests round robin over ${NODES} nodes ` +
        `from ${CLIENTS} clients in ${seconds.toFixed(2)} s: ${admitted} admitted, overshoot ` +
        `${overshoot} (${((overshoot / limit) * 100).toFixed(1)}% of the limit); bound ` +
        `${bound(limit, seconds)}; without sharing each node would admit ${limit} (${NODES * limit})`,
    );
    // The limit is usable: near it a node may refuse early (its share of what is left is used
    // until it hears from the others), and the rest of the burst fills it again.
    expect(admitted).toBeGreaterThanOrEqual(Math.floor(limit * 0.8));
    expect(overshoot).toBeLessThanOrEqual(bound(limit, seconds));
    await refusedEverywhere(key);
  }, 60_000);

  test("a key without limits of its own takes the project's default on every node", async () => {
    const limit = 6;
    const project = await fleet.manage("PATCH", `/projects/${fleet.tenant.projectId}`, {
      settings: { rpm_limit: limit },
    });
    expect(project.status).toBe(200);
    // The seeded key has no limits: it answers with rate-limit headers once the default is there.
    await waitUntil(
      async () => {
        const answers = await Promise.all(
          fleet.dataPlanes.map((plane) => chat(plane.url, fleet.tenant.proxyKey)),
        );
        return answers.every((answer) => answer.headers.get("x-ratelimit-limit-requests") === "6");
      },
      { timeoutMs: 15_000, intervalMs: 100, message: "the project default is not on every node" },
    );
    await refusedEverywhere(fleet.tenant.proxyKey);
  }, 60_000);
});
