// The gateway-run batch worker's throughput (issue 17 §3): lines per second of one batch on an
// @config, at a set concurrency, through the worker's batch plane (the full pipeline) against the
// simulator, on Postgres. `bun bench/batches/worker.bench.ts [--lines=400] [--concurrency=1,8,32]`.
// Needs Postgres (and the services the test support expects); prints one row per concurrency.
import { cpus, loadavg } from "node:os";
import { openBatchPlane } from "../../controlplane/batches/batch-plane.ts";
import { readGatewayBatch } from "../../controlplane/batches/batches.ts";
import { defaultBatchSettings } from "../../controlplane/batches/settings.ts";
import { BatchWorker } from "../../controlplane/batches/worker.ts";
import {
  createNightlyBatch,
  seedBatchWorld,
  summaryLines,
} from "../../test/support/batch-world.ts";
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
  const world = await seedBatchWorld(db, harness, "bench");
  console.log(
    `batch worker: ${lines} lines on @nightly, simulator default profile; ${cpus().length} cores, load ${loadavg()
      .map((value) => value.toFixed(1))
      .join(" ")}`,
  );
  console.log("| concurrency | lines | seconds | lines/s |");
  console.log("| --- | --- | --- | --- |");
  for (const concurrency of concurrencies) {
    const batch = await createNightlyBatch(
      world,
      summaryLines(lines, { prefix: "line", maxTokens: 32 }),
      { reason: "bench" },
    );
    const worker = new BatchWorker({
      db,
      workerId: `bench-${concurrency}`,
      settings: { ...defaultBatchSettings(), concurrency, maxLinesPerSecond: 100_000 },
      openExecutor: (row) => openBatchPlane({ db, secretBox: testSecretBox }, row),
    });
    const started = performance.now();
    await worker.runOnce();
    const seconds = (performance.now() - started) / 1000;
    const done = await readGatewayBatch(db, world.orgId, batch.id);
    const succeeded = done?.progress.succeeded ?? 0;
    console.log(
      `| ${concurrency} | ${succeeded}/${lines} | ${seconds.toFixed(2)} | ${(succeeded / seconds).toFixed(1)} |`,
    );
  }
} finally {
  await harness.stop();
  await database.drop();
}
