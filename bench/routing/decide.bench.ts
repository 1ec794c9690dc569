// Nanoseconds per routing decision (`planRoute`) for each of the eight strategies, plus a
// direct `provider/model` and a bare model name, over one realistic snapshot (DESIGN §6, §12).
// `bun run bench:routing`; `--quick` (or BENCH_QUICK=1) measures each case briefly.
import { mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, platform } from "node:os";
import { join } from "node:path";
import { do_not_optimize, measure } from "mitata";
import { hashKey } from "#shared/ids/ids.ts";
import { openSnapshot, sealSnapshot } from "#shared/snapshot/envelope.ts";
import { HealthTracker } from "../../dataplane/routing/health.ts";
import { planRoute, type RoutePlan, type RoutingInput } from "../../dataplane/routing/plan.ts";
import { requestFeatures } from "../../dataplane/routing/request-features.ts";
import { compileRuntimeConfig } from "../../dataplane/snapshot/runtime-config.ts";
import { textTable } from "../text-table.ts";
import {
  CASES,
  CONFIGS,
  PROXY_KEY,
  REQUEST_IDS,
  request,
  secretBox,
  snapshotBody,
  USERS,
  warmHealth,
  xorshift,
} from "./fixture.ts";

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
/** Quick mode writes results only where asked, so it never overwrites a full run's. */
const resultsDirectory = process.env.BENCH_RESULTS_DIR ?? (quick ? null : "bench/results");
const MIN_CPU_TIME_NS = quick ? 30e6 : 1_000e6;
const COLD_RUNS = quick ? 25 : 500;

interface Row {
  strategy: string;
  model: string;
  decision: string;
  avg_ns: number;
  p75_ns: number;
  p99_ns: number;
  cold_p50_us: number;
  cold_p99_us: number;
}

function describePlan(plan: RoutePlan): string {
  const first = plan.steps[0];
  const target =
    first?.kind === "attempt"
      ? `${first.provider.name}/${first.model}`
      : `${first?.kind} of ${first?.kind === "ensemble" ? first.members.length : first?.steps.length}`;
  const more = plan.steps.length > 1 ? ` then ${plan.steps.length - 1} more` : "";
  return plan.abVariant ? `${target}${more} (variant ${plan.abVariant})` : `${target}${more}`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function main(): Promise<void> {
  const envelope = sealSnapshot(1, snapshotBody());
  const opened = openSnapshot(envelope);
  if (!opened.ok) throw new Error(opened.reason);
  const compile = () => compileRuntimeConfig(opened, opened.body, secretBox);
  const config = compile();
  const key = config.keysByHash.get(hashKey(PROXY_KEY));
  if (!key) throw new Error("bench key missing from the snapshot");

  const input: RoutingInput = {
    requestId: "req_bench",
    features: requestFeatures(request),
    tags: { team: "web", env: "prod" },
    user: "user-0",
    conversationId: null,
    budgetUsedPct: 0.42,
    // Tuesday, midday UTC: every custom rule is evaluated and the `else` decides.
    nowMs: Date.UTC(2026, 2, 3, 12, 0),
    health: new HealthTracker(),
    random: xorshift(11),
  };
  input.health = warmHealth(config, key, input);

  const rows: Row[] = [];
  let failed = false;
  for (const { name, model } of CASES) {
    let plan: RoutePlan;
    try {
      plan = planRoute(config, key, model, input);
    } catch (error) {
      console.error(`${name} (${model}): planRoute threw: ${(error as Error).message}`);
      failed = true;
      continue;
    }

    let turn = 0;
    const stats = await measure(
      () => {
        turn = (turn + 1) & 1023;
        input.user = USERS[turn] as string;
        input.requestId = REQUEST_IDS[turn] as string;
        do_not_optimize(planRoute(config, key, model, input));
      },
      { min_cpu_time: MIN_CPU_TIME_NS },
    );

    // Cold: the first decision on a freshly compiled snapshot (its route table compiled with
    // it by compileRuntimeConfig). The JIT is warm by then; only data is cold.
    const cold: number[] = [];
    for (let run = 0; run < COLD_RUNS; run++) {
      const fresh = compile();
      const started = Bun.nanoseconds();
      do_not_optimize(planRoute(fresh, key, model, input));
      cold.push(Bun.nanoseconds() - started);
    }
    cold.sort((a, b) => a - b);

    rows.push({
      strategy: name,
      model,
      decision: describePlan(plan),
      avg_ns: Math.round(stats.avg),
      p75_ns: Math.round(stats.p75),
      p99_ns: Math.round(stats.p99),
      cold_p50_us: Math.round(quantile(cold, 0.5) / 100) / 10,
      cold_p99_us: Math.round(quantile(cold, 0.99) / 100) / 10,
    });
  }

  const snapshotCompile: number[] = [];
  for (let run = 0; run < COLD_RUNS; run++) {
    const started = Bun.nanoseconds();
    do_not_optimize(compile());
    snapshotCompile.push(Bun.nanoseconds() - started);
  }
  snapshotCompile.sort((a, b) => a - b);
  const snapshotCompileUs = Math.round(quantile(snapshotCompile, 0.5) / 100) / 10;

  const machine = {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    platform: `${platform()}-${arch()}`,
    bun: Bun.version,
    commit: gitCommit(),
  };
  const command = `bun bench/routing/decide.bench.ts${quick ? " --quick" : ""}`;
  const table = renderTable(rows, snapshotCompileUs);
  console.log(`\nrouting decisions (planRoute), ${quick ? "quick mode" : "full run"}`);
  console.log(`${machine.cpu} (${machine.cores} cores), ${machine.platform}, bun ${machine.bun}\n`);
  console.log(table);

  if (resultsDirectory) {
    mkdirSync(resultsDirectory, { recursive: true });
    const measuredAt = new Date().toISOString();
    const result = {
      measured_at: measuredAt,
      command,
      quick,
      machine,
      rows,
      snapshot_compile_p50_us: snapshotCompileUs,
    };
    writeFileSync(
      join(resultsDirectory, "routing-decisions.json"),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    writeFileSync(
      join(resultsDirectory, "routing-decisions.md"),
      [
        "# Routing decisions (planRoute)",
        "",
        `Measured ${measuredAt} with \`${command}\` on ${machine.cpu} (${machine.cores} cores),`,
        `${machine.platform}, bun ${machine.bun}, commit ${machine.commit}.`,
        "",
        "```",
        table,
        "```",
        "",
      ].join("\n"),
    );
    console.log(`\nwritten to ${resultsDirectory}/routing-decisions.{json,md}`);
  }
  if (failed) process.exit(1);
}

function renderTable(rows: Row[], snapshotCompileUs: number): string {
  const header = [
    "strategy",
    "avg ns",
    "p75 ns",
    "p99 ns",
    "cold p50 µs",
    "cold p99 µs",
    "decision",
  ];
  const lines = rows.map((row) => [
    row.strategy,
    String(row.avg_ns),
    String(row.p75_ns),
    String(row.p99_ns),
    row.cold_p50_us.toFixed(1),
    row.cold_p99_us.toFixed(1),
    row.decision,
  ]);
  return [
    ...textTable(header, lines, (column) => column === 0 || column === header.length - 1),
    "",
    "avg/p75/p99: warm decisions (config compiled, leaves cached); p75/p99 are over mitata's",
    "batched samples. cold: the first decision on a freshly compiled snapshot.",
    `snapshot compile (compileRuntimeConfig: 6 providers, ${Object.keys(CONFIGS).length} configs compiled, credentials decrypted): p50 ${snapshotCompileUs.toFixed(1)} µs`,
  ].join("\n");
}

function gitCommit(): string {
  const head = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { stderr: "ignore" });
  if (head.exitCode !== 0) return "unknown";
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], {
    stderr: "ignore",
  });
  const suffix = dirty.stdout.toString().trim() ? "-dirty" : "";
  return `${head.stdout.toString().trim()}${suffix}`;
}

await main();
