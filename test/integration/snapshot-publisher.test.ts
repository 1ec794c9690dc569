// The publisher keeps the bus's snapshot equal to the database, whatever writes to it, on both
// pairs of backends: PGlite + in-process bus (embedded) and Postgres + NATS (fleet).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { openSnapshot } from "#shared/snapshot/envelope.ts";
import { type DatabaseHandle, openPglite } from "../../controlplane/db/client.ts";
import { projects, snapshots } from "../../controlplane/db/schema/index.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";
import { SnapshotPublisher } from "../../controlplane/publisher/snapshot-publisher.ts";
import { seedTenant } from "../support/fleet-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type TestNatsServer, testNatsServer } from "../support/processes.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const secretBox = new SecretBox(new Uint8Array(32).fill(3));

function publisherSuite(
  name: string,
  open: () => Promise<{ database: DatabaseHandle; bus: Bus; cleanup(): Promise<void> }>,
) {
  describe(name, () => {
    let database: DatabaseHandle;
    let bus: Bus;
    let cleanup: () => Promise<void>;
    let publisher: SnapshotPublisher;

    beforeAll(async () => {
      ({ database, bus, cleanup } = await open());
      publisher = new SnapshotPublisher({ database, bus, pollMs: 60_000 });
    });
    afterAll(async () => {
      await publisher?.stop();
      await cleanup?.();
    });

    test("publishes the database's content at start", async () => {
      const tenant = await seedTenant(database, secretBox, "http://127.0.0.1:1/v1");
      const first = await publisher.start();
      const stored = await bus.config.latest();
      expect(stored?.version).toBe(first.version);
      const opened = openSnapshot(stored);
      expect(opened.ok).toBe(true);
      if (!opened.ok) return;
      expect(opened.body.routing_configs.map((config) => config.slug)).toEqual(["default"]);
      // Credentials travel encrypted and open only with the key.
      const provider = opened.body.providers.find((row) => row.id === tenant.providerId);
      expect(provider?.credential).not.toContain("sk-upstream-secret");
      expect(secretBox.decrypt(provider?.credential ?? "")).toBe("sk-upstream-secret");
    });

    test("a write through the database layer reaches the bus at once (not by the poll), seen by a watcher", async () => {
      const before = (await bus.config.latest())?.version ?? 0;
      const seen: number[] = [];
      const watch = await bus.config.watch((raw) =>
        seen.push((raw as { version: number }).version),
      );
      const [project] = await database.db.select().from(projects).limit(1);
      if (!project) throw new Error("no project");
      await saveRoutingConfig(database.db, {
        orgId: project.org_id,
        projectId: project.id,
        slug: "added",
        config: { strategy: "single", model: "gpt-4o" },
      });
      // The poll is a minute away (pollMs above): arriving before this hang bound is the push.
      await waitUntil(() => seen.includes(before + 1), { timeoutMs: 10_000 });
      await watch.unsubscribe();
      const opened = openSnapshot(await bus.config.latest());
      expect(opened.ok && opened.body.routing_configs.map((config) => config.slug).sort()).toEqual([
        "added",
        "default",
      ]);
    });

    test("a raw SQL write (no service code) is noticed too", async () => {
      const before = (await bus.config.latest())?.version ?? 0;
      const [project] = await database.db.select().from(projects).limit(1);
      await database.db
        .update(projects)
        .set({ settings: { auto_resolve_bare_model: false } })
        .where(eq(projects.id, project?.id ?? ""));
      await waitUntil(async () => ((await bus.config.latest())?.version ?? 0) > before, {
        timeoutMs: 3000,
      });
    });

    test("publishing unchanged content makes no new version", async () => {
      const before = await publisher.publish();
      const again = await publisher.publish();
      expect(again.version).toBe(before.version);
      expect(again.sha256).toBe(before.sha256);
      const rows = await database.db.select({ version: snapshots.version }).from(snapshots);
      expect(rows.length).toBe(before.version);
    });

    test("two control planes publishing at once agree on versions", async () => {
      const other = new SnapshotPublisher({ database, bus, pollMs: 60_000 });
      const [project] = await database.db.select().from(projects).limit(1);
      await saveRoutingConfig(database.db, {
        orgId: project?.org_id ?? "",
        projectId: project?.id ?? "",
        slug: "race",
        config: { strategy: "single", model: "gpt-4o" },
      });
      const [mine, theirs] = await Promise.all([publisher.publish(), other.publish()]);
      expect(mine.version).toBe(theirs.version);
      expect(mine.sha256).toBe(theirs.sha256);
      expect((await bus.config.latest())?.version).toBe(mine.version);
      await other.stop();
    });

    test("a publish the bus refuses is retried until it succeeds, with no other change; failure says why meanwhile", async () => {
      // Only the publisher under test may publish from here on.
      await publisher.stop();
      let refusals = 2;
      const refusing: Bus = {
        ...bus,
        config: {
          latest: () => bus.config.latest(),
          watch: (onSnapshot) => bus.config.watch(onSnapshot),
          put: async (snapshot) => {
            if (refusals-- > 0) throw new Error("the bus refused the write");
            await bus.config.put(snapshot);
          },
        },
      };
      const retrying = new SnapshotPublisher({
        database,
        bus: refusing,
        pollMs: 3_600_000,
        retryMs: 10,
      });
      const [project] = await database.db.select().from(projects).limit(1);
      await saveRoutingConfig(database.db, {
        orgId: project?.org_id ?? "",
        projectId: project?.id ?? "",
        slug: "retried",
        config: { strategy: "single", model: "gpt-4o" },
      });
      await expect(retrying.publish()).rejects.toThrow("refused");
      expect(retrying.failure).toContain("refused");
      const slugs = async () => {
        const opened = openSnapshot(await bus.config.latest());
        return opened.ok ? opened.body.routing_configs.map((config) => config.slug) : [];
      };
      expect(await slugs()).not.toContain("retried");
      // The poll is an hour away: only the retry can deliver it.
      await waitUntil(async () => (await slugs()).includes("retried"), { timeoutMs: 10_000 });
      await waitUntil(() => retrying.failure === null);
      expect(refusals).toBeLessThan(0);
      await retrying.stop();
    });
  });
}

publisherSuite("snapshot publisher on PGlite + in-process bus", async () => {
  const database = await openPglite();
  await database.migrate();
  const bus = createInProcessBus();
  return {
    database,
    bus,
    cleanup: async () => {
      await bus.close();
      await database.close();
    },
  };
});

describe.skipIf(servicesAbsent)("with real services", () => {
  let testDatabase: TestDatabase;
  let nats: TestNatsServer;
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    nats = testNatsServer();
    await nats.start();
  });
  afterAll(async () => {
    await nats?.stop();
    await testDatabase?.drop();
  });
  publisherSuite("snapshot publisher on Postgres + NATS", async () => {
    const bus = await connectNatsBus({ servers: nats.url, name: "publisher-test" });
    return { database: testDatabase.handle, bus, cleanup: () => bus.close() };
  });
});
