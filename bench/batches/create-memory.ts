// `bun bench/batches/create-memory.ts [--mb=200]`: the data plane's memory while it creates a
// gateway-run batch from a large input file (issue 17: lines stored a chunk at a time, never
// whole in a data plane's memory nor in one bus message). A fleet data plane runs in a process of
// its own (dataplane-child.ts), handing the batch to this process's control plane service over
// NATS; Postgres and the simulator are real. This process uploads `--mb` of JSONL whose lines
// name an @config (generated on the fly, unique custom_ids) through POST /openai/v1/files, then
// creates the batch (POST /openai/v1/batches: the file read back twice, its lines appended to
// the control plane in bounded messages), sampling the data plane's resident set (/proc VmRSS)
// every 10 ms and its high-water mark (VmHWM, reset before the create). Needs Postgres and NATS.
// Prints JSON; docs/performance.md records a run.
import { rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { gatewayBatchService } from "../../controlplane/batches/batch-service.ts";
import { serveGatewayBatches } from "../../controlplane/batches/serve-batches.ts";
import { compileSnapshotBody } from "../../controlplane/publisher/compile-snapshot.ts";
import { seedBatchWorld } from "../../test/support/batch-world.ts";
import { startManagementHarness } from "../../test/support/management.ts";
import { createTestDatabase } from "../../test/support/postgres.ts";
import { natsUrl } from "../../test/support/services.ts";
import { firstLine } from "../child-handshake.ts";
import { multipartJsonl } from "../files/multipart-jsonl.ts";
import { memoryKb } from "../overhead/proc-stats.ts";

const mb = Number(process.argv.find((arg) => arg.startsWith("--mb="))?.slice(5) ?? 200);
const bytes = mb * 1024 * 1024;
const load = () => loadavg().map((value) => value.toFixed(2));

/** Batch lines of ~1 KB on @nightly, each custom_id unique, inside a multipart body. */
function multipartBody(boundary: string): {
  body: ReadableStream<Uint8Array>;
  lines: () => number;
} {
  const encoder = new TextEncoder();
  const filler = "a".repeat(880);
  let count = 0;
  const line = () =>
    `${JSON.stringify({ custom_id: `line-${String(count++).padStart(10, "0")}`, method: "POST", url: "/v1/chat/completions", body: { model: "@nightly", messages: [{ role: "user", content: filler }], max_tokens: 16 } })}\n`;
  const body = multipartJsonl(boundary, bytes, (remaining) => {
    let text = "";
    while (text.length < 256 * 1024 && text.length < remaining) text += line();
    return encoder.encode(text);
  });
  return { body, lines: () => count };
}

const database = await createTestDatabase();
const harness = await startManagementHarness(database.handle);
const snapshotPath = join(tmpdir(), `modelux-bench-batch-create-${process.pid}.json`);
const controlBus = await connectNatsBus({ servers: natsUrl, name: "bench-batch-create-control" });
let child: ReturnType<typeof Bun.spawn> | null = null;
try {
  const { db } = database.handle;
  const { secret } = await seedBatchWorld(db, harness, "bench");
  writeFileSync(snapshotPath, JSON.stringify(await compileSnapshotBody(db)));
  const served = await serveGatewayBatches(controlBus, gatewayBatchService(db), console.error);
  child = Bun.spawn(["bun", "bench/batches/dataplane-child.ts", snapshotPath, natsUrl], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const planeUrl = await firstLine(child);
  const pid = child.pid;

  const samples: number[] = [];
  const sample = () => {
    const memory = memoryKb(pid);
    if (memory) samples.push(memory.rssKb / 1024);
  };
  sample();
  const baselineMb = samples[0] as number;
  const timer = setInterval(sample, 10);

  const boundary = `bench${Date.now()}`;
  const upload = multipartBody(boundary);
  const uploadStarted = performance.now();
  const uploaded = await fetch(`${planeUrl}/openai/v1/files`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${secret}`,
      "content-type": `multipart/form-data; boundary=${boundary}`,
    },
    body: upload.body,
    duplex: "half",
  } as RequestInit);
  const file = (await uploaded.json()) as { id: string; bytes: number };
  const uploadSeconds = (performance.now() - uploadStarted) / 1000;
  const uploadPeakMb = Math.max(...samples);

  // The create's own peak: the high-water mark reset (clear_refs 5), and the samples.
  samples.length = 0;
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    hwmReset = false;
  }
  sample();
  const createBaselineMb = samples[0] as number;
  const loadBefore = load();
  const createStarted = performance.now();
  const created = await fetch(`${planeUrl}/openai/v1/batches`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    }),
  });
  const batch = (await created.json()) as {
    id?: string;
    request_counts?: { total: number };
    error?: unknown;
  };
  const createSeconds = (performance.now() - createStarted) / 1000;
  clearInterval(timer);
  sample();
  const createPeakMb = Math.max(...samples);
  const hwm = memoryKb(pid);
  await served.unsubscribe();
  console.log(
    JSON.stringify(
      {
        file_mb: mb,
        lines: upload.lines(),
        upload_status: uploaded.status,
        stored_bytes: file.bytes,
        create_status: created.status,
        batch_id: batch.id ?? null,
        batch_lines: batch.request_counts?.total ?? null,
        create_error: batch.error ?? null,
        dataplane_rss_baseline_mb: Math.round(baselineMb),
        dataplane_rss_peak_upload_mb: Math.round(uploadPeakMb),
        dataplane_rss_before_create_mb: Math.round(createBaselineMb),
        dataplane_rss_peak_create_sampled_mb: Math.round(createPeakMb),
        dataplane_rss_hwm_create_mb:
          hwmReset && hwm ? Math.round(hwm.peakKb / 1024) : "clear_refs not permitted",
        upload_seconds: Number(uploadSeconds.toFixed(1)),
        create_seconds: Number(createSeconds.toFixed(1)),
        create_lines_per_second: batch.request_counts
          ? Math.round(batch.request_counts.total / createSeconds)
          : null,
        cores: cpus().length,
        load_before_create: loadBefore,
        load_after_create: load(),
      },
      null,
      2,
    ),
  );
} finally {
  child?.kill();
  await controlBus.close();
  await harness.stop();
  await database.drop();
  rmSync(snapshotPath, { force: true });
}
process.exit(0);
