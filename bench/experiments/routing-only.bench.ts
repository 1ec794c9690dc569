// A routing_only experiment end to end over 50,000 requests (DESIGN §9, §12: under 5 s): a
// week of synthetic traffic in a temporary warehouse, the experiment created as the API would,
// and the control plane's runner taking it from queued to completed (sample and observations
// in DuckDB, planRoute per request, summaries in DuckDB, stored with its webhooks).
// `bun run bench:experiments`; `--quick` replays 5,000 requests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { newId } from "#shared/ids/ids.ts";
import { openPglite } from "../../controlplane/db/client.ts";
import { experiments, orgs, projects } from "../../controlplane/db/schema/index.ts";
import { scoped } from "../../controlplane/db/tenant.ts";
import { startExperimentRunner } from "../../controlplane/experiments/runner.ts";
import {
  createExperiment,
  viewExperiment,
} from "../../controlplane/modules/experiments/service.ts";
import {
  BASELINE_SLUG,
  COST_OPTIMIZED_CANDIDATE,
  seedExperimentWorld,
  writeTraffic,
} from "./traffic.ts";

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
/** Quick mode writes results only where asked, so it never overwrites a full run's. */
const resultsDirectory = process.env.BENCH_RESULTS_DIR ?? (quick ? null : "bench/results");
const REQUESTS = quick ? 5_000 : 50_000;
const TARGET_SECONDS = 5;

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), "modelux-bench-experiments-"));
  const database = await openPglite();
  try {
    await database.migrate();
    const orgId = newId("org");
    const projectId = newId("project");
    await database.db.insert(orgs).values({ id: orgId, name: "bench", slug: "bench" });
    await database.db
      .insert(projects)
      .values({ id: projectId, org_id: orgId, name: "main", slug: "main" });
    await seedExperimentWorld(database.db, {
      orgId,
      projectId,
      secretBox: new SecretBox(new Uint8Array(32).fill(3)),
    });

    const start = new Date("2026-03-02T00:00:00.000Z");
    const generating = performance.now();
    const rows = await writeTraffic({
      root: directory,
      orgId,
      projectId,
      start,
      days: 7,
      requests: REQUESTS,
      observedRequests: REQUESTS / 20,
    });
    const generateSeconds = (performance.now() - generating) / 1000;
    console.log(
      `generated ${rows.length} rows (${REQUESTS} of @${BASELINE_SLUG}) over 7 days in ${generateSeconds.toFixed(1)} s`,
    );

    const runner = startExperimentRunner({
      db: database.db,
      root: directory,
      log: () => {},
      pollMs: 3_600_000,
    });
    // A long-lived runner has its DuckDB open before work arrives.
    await runner.idle();
    const began = performance.now();
    const created = await createExperiment(
      scoped(database.db, orgId),
      { org_id: orgId, role: "owner", key_id: "bench" },
      {
        name: "cost-optimized candidate",
        project_id: projectId,
        baseline_config: BASELINE_SLUG,
        candidate_config: COST_OPTIMIZED_CANDIDATE,
        window_start: start.toISOString(),
        window_end: new Date(start.getTime() + 7 * 86_400_000).toISOString(),
        mode: "routing_only",
        success_criteria: {
          logic: "and",
          min_sample_size: 100,
          predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }],
        },
      },
    );
    runner.wake();
    await runner.idle();
    const seconds = (performance.now() - began) / 1000;
    await runner.stop();
    const [row] = await database.db
      .select()
      .from(experiments)
      .where(eq(experiments.id, created.id));
    if (row?.status !== "completed")
      throw new Error(`experiment ended ${row?.status}: ${row?.error}`);
    const view = viewExperiment(row);
    const replayed = Number(view.notes?.replayed_requests ?? 0);
    console.log(
      `routing_only experiment over ${replayed} requests: ${seconds.toFixed(2)} s end to end (target < ${TARGET_SECONDS} s)`,
    );
    console.log(
      `  cost ${view.baseline_summary?.cost_usd.toFixed(2)} → ${view.candidate_summary?.cost_usd.toFixed(2)} USD (${view.comparison?.cost_delta_pct?.toFixed(1)} %), verdict ${view.verdict}`,
    );
    console.log(
      `  p95 ${view.baseline_summary?.p95_latency_ms} → ${view.candidate_summary?.p95_latency_ms} ms; changed routes ${view.comparison?.changed_requests}`,
    );
    if (resultsDirectory)
      writeResults(resultsDirectory, {
        replayed,
        seconds,
        generateSeconds,
        rows: rows.length,
        view,
      });
  } finally {
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function writeResults(
  directory: string,
  result: {
    replayed: number;
    seconds: number;
    generateSeconds: number;
    rows: number;
    view: ReturnType<typeof viewExperiment>;
  },
): void {
  mkdirSync(directory, { recursive: true });
  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    platform: `${platform()}-${arch()}`,
    bun: Bun.version,
    /** 1-minute load average when the run ended: other work on the machine slows it. */
    load_average: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
  const measured = new Date().toISOString();
  const json = {
    measured,
    quick,
    machine,
    requests: result.replayed,
    warehouse_rows: result.rows,
    seconds: Number(result.seconds.toFixed(3)),
    target_seconds: TARGET_SECONDS,
    within_target: result.seconds < TARGET_SECONDS,
    baseline: result.view.baseline_summary,
    candidate: result.view.candidate_summary,
    comparison: result.view.comparison,
    notes: result.view.notes,
  };
  writeFileSync(join(directory, "experiments.json"), `${JSON.stringify(json, null, 2)}\n`);
  const { baseline_summary: baseline, candidate_summary: candidate, comparison } = result.view;
  const markdown = [
    "# routing_only experiment, end to end",
    "",
    `Measured ${measured} with \`bun bench/experiments/routing-only.bench.ts${quick ? " --quick" : ""}\` on ${machine.cpu} (${machine.cores} cores, load average ${machine.load_average}), ${machine.platform}, bun ${machine.bun}.`,
    "",
    "```",
    `requests replayed          ${result.replayed} (warehouse rows in the window: ${result.rows})`,
    `end to end                 ${result.seconds.toFixed(2)} s (target < ${TARGET_SECONDS} s)`,
    `cost (USD)                 ${baseline?.cost_usd.toFixed(2)} → ${candidate?.cost_usd.toFixed(2)} (${comparison?.cost_delta_pct?.toFixed(1)} %)`,
    `p50 / p95 latency (ms)     ${baseline?.p50_latency_ms} / ${baseline?.p95_latency_ms} → ${candidate?.p50_latency_ms} / ${candidate?.p95_latency_ms}`,
    `error rate                 ${baseline?.error_rate} → ${candidate?.error_rate}`,
    `routes changed             ${comparison?.changed_requests}`,
    "```",
    "",
    "End to end: from create_experiment's insert until the runner has stored the summaries and",
    "queued the webhooks (claim, DuckDB sample and observations over the Parquet files, planRoute",
    "for every request, the candidate's results appended to DuckDB, both summaries and the diff in",
    `DuckDB). Postgres is PGlite in memory, as in the embedded mode. Generating the traffic`,
    `(${result.generateSeconds.toFixed(1)} s) is not included.`,
    "",
  ].join("\n");
  writeFileSync(join(directory, "experiments.md"), markdown);
}

await main();
