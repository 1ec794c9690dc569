// `bun run seed` gives a fleet's database the example org, keys and configs, and is safe to rerun.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { apiKeys, providers, routingConfigs } from "../../controlplane/db/schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const SECRET_HEX = "cd".repeat(32);

describe.skipIf(servicesAbsent)("bun run seed", () => {
  let database: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), "modelux-seed-"));
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const runSeed = async () => {
    const child = Bun.spawn(["bun", "run", "seed"], {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: database.url,
        MODELUX_SECRET_KEY: SECRET_HEX,
        MODELUX_DATA_DIR: dataDir,
        MODELUX_SEED_SIMULATOR_URL: "http://simulator:8090",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stdout, stderr] = await Promise.all([
      child.exited,
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    if (code !== 0) throw new Error(`seed exited ${code}: ${stderr}`);
    return stdout;
  };

  test("seeds once, prints working keys, and a rerun changes nothing", async () => {
    const first = await runSeed();
    expect(first).toContain("seeded org");
    const proxyKey = /proxy key\s+(mlx_sk_\S+)/.exec(first)?.[1] ?? "";
    const [key] = await database.handle.db.select().from(apiKeys);
    expect(key?.key_hash).toBe(hashKey(proxyKey));

    // A provider for every vendor the simulator speaks, each on its vendor's path there.
    const rows = await database.handle.db.select().from(providers);
    const seen = Object.fromEntries(rows.map((row) => [row.name, [row.vendor, row.base_url]]));
    expect(seen).toEqual({
      openai: ["openai", "http://simulator:8090/v1"],
      anthropic: ["anthropic", "http://simulator:8090/v1"],
      azure: ["azure", "http://simulator:8090"],
      google: ["google", "http://simulator:8090/v1beta"],
      bedrock: ["bedrock", "http://simulator:8090"],
      cohere: ["cohere", "http://simulator:8090/v2"],
      groq: ["groq", "http://simulator:8090/v1"],
    });
    const box = new SecretBox(Uint8Array.from(Buffer.from(SECRET_HEX, "hex")));
    const credentials = rows.map((row) => box.decrypt(row.credential_ciphertext));
    expect(credentials.filter((credential) => credential !== "simulator-key")).toEqual([
      "SIMULATORKEY::simulator-secret::us-east-1",
    ]);

    const second = await runSeed();
    expect(second).toContain("already seeded");
    expect(second).toContain(proxyKey);
    expect((await database.handle.db.select().from(apiKeys)).length).toBe(1);
    // The providers were left as they were (options compared key by key, not by jsonb's order).
    const again = await database.handle.db.select().from(providers);
    expect(again.map((row) => [row.name, row.updated_at.getTime()]).sort()).toEqual(
      rows.map((row) => [row.name, row.updated_at.getTime()]).sort(),
    );
    const slugs = (await database.handle.db.select().from(routingConfigs))
      .map((row) => row.slug)
      .sort();
    expect(slugs).toEqual(["cheap", "default", "fallback"]);
  }, 30_000);
});
