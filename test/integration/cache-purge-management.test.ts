// Purging the response cache through the Management API and MCP on real Postgres (issue 18 §1):
// the purge is kept in the shared cache store, which a data plane's cache follows, and announced
// as a cache.purge control event; a project-wide, a config's and an entry's purge each drop what
// they name and nothing else, another org's project is a 404, and a viewer may not purge.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import { emptyUsage } from "#shared/canonical/response.ts";
import type { CacheEntry } from "../../dataplane/cache/cache-entry.ts";
import { applyPurgeEvent } from "../../dataplane/cache/purge-event.ts";
import { ResponseCache } from "../../dataplane/cache/response-cache.ts";
import {
  type ManagementHarness,
  startManagementHarness,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const entryKey = (n: number) => `e${String(n).padStart(43, "A")}`;

describe.skipIf(servicesAbsent)("cache purge through the Management API and MCP", () => {
  const state = new InProcessStateStore();
  let database: TestDatabase;
  let harness: ManagementHarness;
  /** A second data plane's cache: it hears the store, not the test. */
  const planeCache = new ResponseCache({ state });

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle, { cacheState: state });
    await planeCache.follow();
  });
  afterAll(async () => {
    await planeCache.stop();
    await harness?.stop();
    await database?.drop();
  });

  /** A writer plane stores an entry for the harness org's project under `config`. */
  const fill = (n: number, config: string, createdAt = Date.now() - 10) => {
    const now = Date.now();
    const entry: CacheEntry = {
      v: 1,
      kind: "generation",
      project_id: harness.org.projectId,
      config_slug: config,
      created_at: createdAt,
      expires_at: now + 600_000,
      provider: "openai",
      model: "gpt-4o-mini",
      cost_usd: 0.001,
      usage: emptyUsage(),
      response: {
        id: "x",
        model: "gpt-4o-mini",
        content: [{ type: "text", text: `a${n}` }],
        stopReason: "end_turn",
        usage: emptyUsage(),
      },
    };
    new ResponseCache({ state }).store(harness.org.orgId, entryKey(n), entry);
  };
  const cached = (n: number) =>
    planeCache.exact(harness.org.orgId, harness.org.projectId, entryKey(n)) !== null;

  test("one entry, then one config, then the whole project; each takes effect on the plane", async () => {
    fill(1, "support");
    fill(2, "support");
    fill(3, "sales");
    await waitUntil(() => cached(1) && cached(2) && cached(3));

    const one = await harness.rest("POST", `/projects/${harness.org.projectId}/cache/purge`, {
      body: { entry_id: entryKey(1) },
    });
    expect(one.status).toBe(200);
    expect(one.body.data.fleet).toEqual({ notified: true, stored: true, warning: null });
    await waitUntil(() => !cached(1));
    expect(cached(2) && cached(3)).toBe(true);

    const config = await harness.rest("POST", `/projects/${harness.org.projectId}/cache/purge`, {
      body: { config_slug: "@support" },
    });
    expect(config.body.data.config_slug).toBe("support");
    await waitUntil(() => !cached(2));
    expect(cached(3)).toBe(true);
    // The control event every connected plane hears names the same purge.
    const event = harness.controlEvents.at(-1);
    expect(event).toMatchObject({
      type: "cache.purge",
      org_id: harness.org.orgId,
      config_slug: "support",
    });

    const client = await harness.mcp();
    const all = toolResult(
      await client.callTool({
        name: "purge_cache",
        arguments: { project_id: harness.org.projectId },
      }),
    );
    expect(all.isError).toBe(false);
    await waitUntil(() => !cached(3));
    // An entry written after the purge is served again (one written at or before its instant is
    // purged: the test names an instant after it rather than trusting the clock to have moved).
    const purgedAt = Date.parse(all.body.data?.purged_at ?? all.body.purged_at);
    expect(Number.isFinite(purgedAt)).toBe(true);
    fill(4, "sales", Math.max(Date.now(), purgedAt + 1));
    await waitUntil(() => cached(4));
  });

  test("the control event alone drops entries on a plane that does not follow the store", async () => {
    const isolated = new ResponseCache({ state: new InProcessStateStore() });
    const now = Date.now();
    isolated.store(harness.org.orgId, entryKey(9), {
      v: 1,
      kind: "generation",
      project_id: harness.org.projectId,
      config_slug: "support",
      created_at: now - 10,
      expires_at: now + 600_000,
      provider: "openai",
      model: "gpt-4o-mini",
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
    await harness.rest("POST", `/projects/${harness.org.projectId}/cache/purge`, { body: {} });
    const event = harness.controlEvents.at(-1);
    if (event?.type !== "cache.purge") throw new Error("no cache.purge event");
    expect(applyPurgeEvent(isolated, event)).toBe(1);
    expect(isolated.exact(harness.org.orgId, harness.org.projectId, entryKey(9))).toBeNull();
  });

  test("another org's project is a 404, a viewer is refused, a bad entry key names the field", async () => {
    const foreign = await harness.rest("POST", `/projects/${harness.other.projectId}/cache/purge`, {
      body: {},
    });
    expect(foreign.status).toBe(404);
    const viewer = await harness.rest("POST", `/projects/${harness.org.projectId}/cache/purge`, {
      key: harness.org.keys.viewer,
      body: {},
    });
    expect(viewer.status).toBe(403);
    const bad = await harness.rest("POST", `/projects/${harness.org.projectId}/cache/purge`, {
      body: { entry_id: "nope" },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("entry_id");
  });
});
