// The bus contract's config store: snapshots stored newest-wins, watched, checked against their
// schema.
import { describe, expect, test } from "bun:test";
import { type Bus, StaleSnapshotVersionError } from "#shared/bus/bus.ts";
import { waitUntil } from "../wait.ts";
import { snapshotWithVersion } from "./fixtures.ts";

export function configStoreContract(currentBus: () => Bus) {
  describe("config store", () => {
    test("has no snapshot until one is put, then returns the newest", async () => {
      const bus = currentBus();
      expect(await bus.config.latest()).toBeNull();
      await bus.config.put(snapshotWithVersion(1));
      expect(await bus.config.latest()).toEqual(snapshotWithVersion(1));
      await bus.config.put(snapshotWithVersion(2));
      expect(await bus.config.latest()).toEqual(snapshotWithVersion(2));
    });

    test("refuses a version that is not newer than the stored one", async () => {
      const bus = currentBus();
      await bus.config.put(snapshotWithVersion(2));
      const sameVersion = await bus.config.put(snapshotWithVersion(2)).catch((error) => error);
      expect(sameVersion).toBeInstanceOf(StaleSnapshotVersionError);
      expect(sameVersion).toMatchObject({ stored: 2, offered: 2 });
      await expect(bus.config.put(snapshotWithVersion(1))).rejects.toBeInstanceOf(
        StaleSnapshotVersionError,
      );
      expect((await bus.config.latest())?.version).toBe(2);
      await bus.config.put(snapshotWithVersion(3));
      expect((await bus.config.latest())?.version).toBe(3);
    });

    test("concurrent puts leave the highest version stored", async () => {
      const bus = currentBus();
      await bus.config.put(snapshotWithVersion(1));
      const results = await Promise.allSettled(
        [5, 3, 4, 2].map((version) => bus.config.put(snapshotWithVersion(version))),
      );
      for (const result of results) {
        if (result.status === "rejected") {
          expect(result.reason).toBeInstanceOf(StaleSnapshotVersionError);
        }
      }
      expect((await bus.config.latest())?.version).toBe(5);
    });

    test("watchers see every later put in order, and not what was stored before", async () => {
      const bus = currentBus();
      await bus.config.put(snapshotWithVersion(1));
      const first: unknown[] = [];
      const second: unknown[] = [];
      await bus.config.watch((snapshot) => first.push(snapshot));
      await bus.config.watch((snapshot) => second.push(snapshot));
      for (const version of [2, 3, 4]) await bus.config.put(snapshotWithVersion(version));
      await waitUntil(() => first.length >= 3 && second.length >= 3);
      const expected = [2, 3, 4].map(snapshotWithVersion);
      expect(first).toEqual(expected);
      expect(second).toEqual(expected);
    });

    test("an unsubscribed watcher hears nothing more", async () => {
      const bus = currentBus();
      const stopped: unknown[] = [];
      const still: unknown[] = [];
      const subscription = await bus.config.watch((snapshot) => stopped.push(snapshot));
      await bus.config.watch((snapshot) => still.push(snapshot));
      await bus.config.put(snapshotWithVersion(1));
      await waitUntil(() => stopped.length === 1 && still.length === 1);
      await subscription.unsubscribe();
      await bus.config.put(snapshotWithVersion(2));
      await waitUntil(() => still.length === 2);
      expect(stopped).toEqual([snapshotWithVersion(1)]);
    });

    test("rejects a snapshot envelope that breaks the schema", async () => {
      const bus = currentBus();
      const broken = { ...snapshotWithVersion(1), sha256: "not-a-hash" };
      await expect(bus.config.put(broken)).rejects.toThrow(/sha256/);
      expect(await bus.config.latest()).toBeNull();
    });
  });
}
