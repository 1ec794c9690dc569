import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import fixtureV1 from "../fixtures/snapshots/schema-v1.json";

const fixtureBox = new SecretBox(new Uint8Array(32).fill(9));
const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

function bodyWith(slug: string) {
  return {
    ...structuredClone(fixtureV1.body),
    routing_configs: [
      {
        ...fixtureV1.body.routing_configs[0],
        slug,
      } as (typeof fixtureV1.body.routing_configs)[number],
    ],
  };
}

describe("SnapshotLoader", () => {
  test("compiles a snapshot: keys by hash, configs by project and slug, credentials decrypted", () => {
    const loader = new SnapshotLoader({ secretBox: fixtureBox });
    expect(loader.apply(fixtureV1)).toEqual({ applied: true, version: 3 });
    const config = loader.current;
    expect(config?.keysByHash.get(hashKey("mlx_sk_fixturefixturefixture"))?.projectId).toBe(
      "prj_a",
    );
    expect(config?.routingConfigs.get("prj_a/default")?.config).toEqual({
      strategy: "single",
      model: "gpt-4o-mini",
    });
    expect(config?.providersById.get("prv_a")?.credential).toBe("sk-fixture");
    expect(config?.defaultProviderByVendor.get("org_a/openai")?.id).toBe("prv_a");
  });

  test("a bad snapshot is rejected and the last good one keeps serving", () => {
    const loader = new SnapshotLoader({ secretBox: fixtureBox });
    loader.apply(fixtureV1);
    const good = loader.current;
    const result = loader.apply({ ...sealSnapshot(4, bodyWith("next")), sha256: "0".repeat(64) });
    expect(result.applied).toBe(false);
    expect(loader.current).toBe(good);
    expect(loader.lastRejection).toContain("sha256 mismatch");
  });

  test("an older or equal version never replaces a newer one", () => {
    const loader = new SnapshotLoader({ secretBox: fixtureBox });
    loader.apply(sealSnapshot(5, bodyWith("five")));
    expect(loader.apply(fixtureV1).applied).toBe(false);
    expect(loader.current?.version).toBe(5);
  });

  test("a node with another secret key refuses the snapshot instead of serving half of it", () => {
    const loader = new SnapshotLoader({ secretBox: new SecretBox(new Uint8Array(32).fill(1)) });
    const result = loader.apply(fixtureV1);
    expect(result.applied).toBe(false);
    expect(loader.current).toBeNull();
    expect(loader.lastRejection).toContain("MODELUX_SECRET_KEY");
  });

  test("the last good snapshot is cached on disk and loads on the next start", async () => {
    const directory = mkdtempSync(join(tmpdir(), "modelux-loader-"));
    directories.push(directory);
    const cacheFile = join(directory, "node", "snapshot.json");
    const first = new SnapshotLoader({ secretBox: fixtureBox, cacheFile });
    first.apply(fixtureV1);
    await first.stop(); // flushes the cache write
    const cached = await Bun.file(cacheFile).text();
    expect(cached).not.toContain("sk-fixture"); // credentials stay encrypted on disk
    const second = new SnapshotLoader({ secretBox: fixtureBox, cacheFile });
    expect(await second.loadCache()).toEqual({ applied: true, version: 3 });
    expect(second.current?.sha256).toBe(fixtureV1.sha256);
  });

  test("no cache file is a reason, not a crash", async () => {
    const loader = new SnapshotLoader({
      secretBox: fixtureBox,
      cacheFile: "/nonexistent/dir/snapshot.json",
    });
    const result = await loader.loadCache();
    expect(result.applied).toBe(false);
  });
});
