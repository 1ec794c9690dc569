// The gateway-run batch worker's throughput (issue 17 §3): lines per second of one batch on an
// @config, at a set concurrency, through the worker's batch plane (the full pipeline) against the
// simulator, on Postgres. `bun bench/batches/worker.bench.ts [--lines=400] [--concurrency=1,8,32]`.
// Needs Postgres (and the services the test support expects); prints one row per concurrency.
import { cpus, loadavg } from "node:os";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { openBatchPlane } from "../../controlplane/batches/batch-plane.ts";
import { createGatewayBatch, readGatewayBatch } from "../../controlplane/batches/batches.ts";
import { defaultBatchSettings } from "../../controlplane/batches/settings.ts";
import { BatchWorker } from "../../controlplane/batches/worker.ts";
import { apiKeys, providers } from "../../controlplane/db/schema/index.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";
import { startManagementHarness, testSecretBox } from "../../test/support/management.ts";
import { createTestDatabase } from "../../test/support/postgres.ts";

const argument = (name: string, fallback: string) =>
  process.argv.find((value) => value.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const lines = Number(argument("lines", "400"));
const concurrencies = argument("concurrency", "1,8,32").split(",").map(Number);

const database = await createTestDatabase();
const harness = await startManagementHarness(database.handle);
try {
  const { db } = database.handle;
  const { orgId, projectId } = harness.org;
  await db.insert(providers).values({
    id: newId("provider"),
    org_id: orgId,
    name: "openai",
    vendor: "openai",
    base_url: `${harness.simulator.url}/v1`,
    credential_ciphertext: testSecretBox.encrypt("sk-simulator"),
    credential_hint: "…ator",
  });
  const secret = newSecretKey("proxy");
  const keyId = newId("apiKey");
  await db.insert(apiKeys).values({
    id: keyId,
    org_id: orgId,
    project_id: projectId,
    name: "bench",
    key_hash: hashKey(secret),
    key_prefix: keyDisplayPrefix(secret),
  });
  await saveRoutingConfig(db, {
    orgId,
    projectId,
    slug: "nightly",
    config: {
      strategy: "fallback",
      attempts: [{ model: "gpt-4o" }, { model: "gpt-4o-mini" }],
      retry_on: ["5xx"],
    },
  });
  console.log(
    `batch worker: ${lines} lines on @nightly, simulator default profile; ${cpus().length} cores, load ${loadavg()
      .map((value) => value.toFixed(1))
      .join(" ")}`,
  );
  console.log("| concurrency | lines | seconds | lines/s |");
  console.log("| --- | --- | --- | --- |");
  for (const concurrency of concurrencies) {
    const batch = await createGatewayBatch(db, orgId, {
      projectId,
      keyId,
      surface: "openai",
      endpoint: "/v1/chat/completions",
      reason: "bench",
      inputFileId: null,
      metadata: null,
      deadlineAt: null,
      spendCapUsd: null,
      lines: Array.from({ length: lines }, (_, index) => ({
        customId: `line-${index}`,
        body: {
          model: "@nightly",
          messages: [{ role: "user", content: `Summarise document ${index}.` }],
          max_tokens: 32,
        },
      })),
    });
    const worker = new BatchWorker({
      db,
      workerId: `bench-${concurrency}`,
      settings: { ...defaultBatchSettings(), concurrency, maxLinesPerSecond: 100_000 },
      openExecutor: (row) => openBatchPlane({ db, secretBox: testSecretBox }, row),
    });
    const started = performance.now();
    await worker.runOnce();
    const seconds = (performance.now() - started) / 1000;
    const done = await readGatewayBatch(db, orgId, batch.id);
    const succeeded = done?.progress.succeeded ?? 0;
    console.log(
      `| ${concurrency} | ${succeeded}/${lines} | ${seconds.toFixed(2)} | ${(succeeded / seconds).toFixed(1)} |`,
    );
  }
} finally {
  await harness.stop();
  await database.drop();
}
