// Rotating MODELUX_SECRET_KEY while the fleet serves (docs/operations.md) on real Postgres: a node
// holding the new key and the previous one opens what either sealed; `bun run secret-key:rotate`
// re-seals every provider credential and webhook secret under the new key (the snapshot then
// carries only new-key ciphertexts), and a second run changes nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SecretBox, SecretBoxError } from "#shared/crypto/secret-box.ts";
import { reencryptSecrets } from "../../controlplane/crypto/reencrypt-secrets.ts";
import { providers, webhooks } from "../../controlplane/db/schema/index.ts";
import { compileSnapshotBody } from "../../controlplane/publisher/compile-snapshot.ts";
import {
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const OLD_KEY = new Uint8Array(32).fill(7); // the harness's testSecretBox
const NEW_KEY = new Uint8Array(32).fill(9);
const CREDENTIAL = "sk-rotation-test-credential-4242";

describe.skipIf(servicesAbsent)("MODELUX_SECRET_KEY rotation", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  const secrets: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
    const created = await harness.rest("POST", "/providers", {
      body: {
        vendor: "openai",
        name: "openai",
        api_key: CREDENTIAL,
        base_url: `${harness.simulator.url}/v1`,
      },
    });
    expect(created.status).toBe(201);
    const hook = await harness.rest("POST", "/webhooks", {
      body: { url: "http://127.0.0.1:9/hook", event_types: ["budget.exceeded"] },
    });
    secrets.push(hook.body.data.signing_secret);
    // A rotated webhook secret keeps the old one (sealed too) for a day.
    const rotated = await harness.rest("POST", `/webhooks/${hook.body.data.id}/rotate-secret`);
    secrets.unshift(rotated.body.data.signing_secret);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  test("a node with the new key and the previous one opens both; the new key alone only its own", () => {
    const oldSealed = testSecretBox.encrypt("before");
    const rotating = new SecretBox(NEW_KEY, [OLD_KEY]);
    const newSealed = rotating.encrypt("after");
    expect(rotating.decrypt(oldSealed)).toBe("before");
    expect(rotating.decrypt(newSealed)).toBe("after");
    expect(rotating.opensWithCurrentKey(oldSealed)).toBe(false);
    expect(() => new SecretBox(NEW_KEY).decrypt(oldSealed)).toThrow(SecretBoxError);
    expect(() => testSecretBox.decrypt(newSealed)).toThrow(SecretBoxError);
  });

  test("re-sealing moves every stored secret to the new key, and the snapshot with them", async () => {
    const db = database.handle.db;
    const report = await reencryptSecrets(db, new SecretBox(NEW_KEY, [OLD_KEY]));
    expect(report.columns).toEqual({
      "providers.credential": { found: 1, resealed: 1, current: 0 },
      "webhooks.signing_secret": { found: 1, resealed: 1, current: 0 },
      "webhooks.previous_secret": { found: 1, resealed: 1, current: 0 },
    });
    const newOnly = new SecretBox(NEW_KEY);
    const [provider] = await db.select().from(providers);
    expect(newOnly.decrypt(provider?.credential_ciphertext ?? "")).toBe(CREDENTIAL);
    const [hook] = await db.select().from(webhooks);
    expect([
      newOnly.decrypt(hook?.signing_secret_ciphertext ?? ""),
      newOnly.decrypt(hook?.previous_secret_ciphertext ?? ""),
    ]).toEqual(secrets);
    const body = await compileSnapshotBody(db);
    const sealed = JSON.stringify(body).match(/v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g) ?? [];
    expect(sealed.length).toBeGreaterThan(0);
    for (const each of sealed) expect(newOnly.opensWithCurrentKey(each)).toBe(true);
  });

  test("bun run secret-key:rotate again finds everything under the new key and changes nothing", async () => {
    const before = await database.handle.db.select().from(providers);
    const child = Bun.spawn(["bun", "run", "secret-key:rotate"], {
      cwd: join(import.meta.dir, "../.."),
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        MODELUX_SECRET_KEY: Buffer.from(NEW_KEY).toString("hex"),
        MODELUX_SECRET_KEY_PREVIOUS: Buffer.from(OLD_KEY).toString("hex"),
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const output = await new Response(child.stdout).text();
    expect(await child.exited).toBe(0);
    expect(output).toContain(
      "providers.credential: 1 stored, 0 re-sealed under the new key, 1 already under it",
    );
    const after = await database.handle.db.select().from(providers);
    expect(after[0]?.credential_ciphertext).toBe(before[0]?.credential_ciphertext as string);
  });
});
