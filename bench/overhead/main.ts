// `bun run bench` (full, ~19 min) and `bun run bench:quick` (CI: every target starts, answers and
// gets a row; about half a minute, numbers meaningless). One simulator process serves every target;
// each target runs in its own process, then the load generator in its own. Writes
// bench/results/overhead.{json,md} on a full run (quick or partial, a flag below but --no-pin:
// only when BENCH_RESULTS_DIR is set, so a subset never overwrites the recorded full run).
//
// Flags: --quick (or BENCH_QUICK=1), --seconds=N per step, --targets=direct,modelux,…,
// --mode=instant|realistic (only that simulator mode's steps; realistic holds the TTFT steps,
// Responses included), --rate=N (the realistic steps' rate instead of 1,000 req/s), --paired
// (only the paired rounds of Responses against chat, on the floor and modelux), --rounds=N (the
// paired rounds, 5 by default), --no-pin (let the scheduler place processes; default: pinned when
// there are ≥ 2 CPUs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { choosePinning, describeMachine } from "./machine.ts";
import { MODE_PROFILES, type Mode } from "./modes.ts";
import { makePlan } from "./plan.ts";
import { ROOT, spawnServer } from "./processes.ts";
import {
  budgetTable,
  headlineTable,
  type OverheadReport,
  pairedTable,
  renderMarkdown,
  responsesTable,
} from "./report-markdown.ts";
import { checkBudgets, derive, type SoakMemory } from "./results.ts";
import type { StepResult } from "./run-step.ts";
import { measureTarget } from "./run-target.ts";
import { TARGET_NAMES, type TargetName } from "./targets.ts";

const args = process.argv.slice(2);
const flag = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const seconds = flag("seconds") ? Number(flag("seconds")) : undefined;
const targets = flag("targets")?.split(",") as TargetName[] | undefined;
const mode = flag("mode") as Mode | undefined;
const rate = flag("rate") ? Number(flag("rate")) : undefined;
if (rate !== undefined && !(rate > 0)) throw new Error("--rate must be a positive number");
const rounds = flag("rounds") ? Number(flag("rounds")) : undefined;
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
  throw new Error("--rounds must be a positive integer");
const pairedOnly = args.includes("--paired");
if (mode !== undefined && !(mode in MODE_PROFILES)) throw new Error(`unknown mode ${mode}`);
for (const name of targets ?? [])
  if (!TARGET_NAMES.includes(name)) throw new Error(`unknown target ${name}`);

const plan = makePlan({
  quick,
  ...(seconds ? { seconds } : {}),
  ...(targets ? { targets } : {}),
  ...(mode ? { mode } : {}),
  ...(rate ? { realisticRate: rate } : {}),
  ...(rounds ? { pairedRounds: rounds } : {}),
  ...(pairedOnly ? { pairedOnly, targets: targets ?? ["direct", "modelux"] } : {}),
});
const pinning = choosePinning(!args.includes("--no-pin"));
const machine = describeMachine(pinning);
const command = `bun bench/overhead/main.ts${args.length ? ` ${args.join(" ")}` : ""}`;

console.log(
  `overhead benchmark${quick ? " (quick)" : ""}: ${plan.targets.length} targets × ${plan.groups.flatMap((group) => group.steps).length} steps; ${machine.cpu} (${machine.cores} cores), bun ${machine.bun}; ${pinning ? `target on CPU ${pinning.target}, simulator and load on CPU ${pinning.simulator_and_load}` : "unpinned"}`,
);

const simulator = await spawnServer({
  name: "simulator",
  command: [process.execPath, join(ROOT, "bench/overhead/targets/simulator.ts")],
  cpus: pinning?.simulator_and_load ?? null,
});
const results: StepResult[] = [];
try {
  for (const name of plan.targets)
    results.push(
      ...(await measureTarget(name, plan, {
        simulatorUrl: simulator.url,
        simulator: simulator.process,
        pinning,
      })),
    );
} finally {
  await simulator.process.stop();
}

const steps = derive(results);
// The soak is a run of its own (`bun run bench:soak`); its memory verdict joins the table.
const soakFile = join(ROOT, "bench/results/soak.json");
const soakRun = existsSync(soakFile) ? JSON.parse(readFileSync(soakFile, "utf8")) : null;
const soak: SoakMemory | null = soakRun
  ? { measured_at: soakRun.measured_at, commit: soakRun.machine.commit, ...soakRun.memory }
  : null;
const report: OverheadReport = {
  measured_at: new Date().toISOString(),
  command,
  quick,
  machine,
  load_average_end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  steps,
  budgets: checkBudgets(steps, soak),
};
const responses = [responsesTable(steps), pairedTable(steps)]
  .filter((part) => part !== null)
  .join("\n\n");
console.log(
  `\n${headlineTable(steps)}\n\n${responses ? `${responses}\n\n` : ""}${budgetTable(report.budgets)}`,
);
if (quick)
  console.log("\n(quick run: sub-second steps on cold processes; the numbers mean nothing)");

const partial = [seconds, targets, mode, rate, rounds].some((value) => value !== undefined);
const resultsDirectory =
  process.env.BENCH_RESULTS_DIR ??
  (quick || partial || pairedOnly ? null : join(ROOT, "bench/results"));
if (resultsDirectory) {
  mkdirSync(resultsDirectory, { recursive: true });
  writeFileSync(join(resultsDirectory, "overhead.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(resultsDirectory, "overhead.md"), renderMarkdown(report));
  console.log(`\nwrote ${join(resultsDirectory, "overhead.{json,md}")}`);
}
