// `bun run bench:soak`: the modelux data plane (realistic setup) under a fixed open-loop rate for
// ten minutes, half plain and half streamed requests against the simulator's realistic timing.
// Every 10 s: the data plane's RSS and CPU, and the requests answered and failed. Memory must be
// flat and errors zero. Writes bench/results/soak.{json,md} for a full-length run (a shorter one
// only when BENCH_RESULTS_DIR is set).
//
// Flags: --seconds=N (or BENCH_SOAK_SECONDS; default 600), --rate=N (default 1000),
// --mode=instant|realistic (default realistic), --no-pin.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { IntervalReport, OpenLoopResult, OpenLoopSpec } from "./load/open-loop-run.ts";
import { choosePinning, describeMachine } from "./machine.ts";
import { MODE_EXPECTED_SECONDS, type Mode, setMode } from "./modes.ts";
import { cpuSeconds, memoryKb } from "./proc-stats.ts";
import { ROOT, spawnProcess, spawnServer } from "./processes.ts";
import {
  analyzeMemory,
  renderSoakMarkdown,
  type SoakReport,
  type SoakSample,
} from "./soak-report.ts";
import { startTarget } from "./targets.ts";

const args = process.argv.slice(2);
const flag = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const seconds = Number(flag("seconds") ?? process.env.BENCH_SOAK_SECONDS ?? 600);
const rate = Number(flag("rate") ?? 1000);
const mode = (flag("mode") ?? "realistic") as Mode;
const SAMPLE_SECONDS = seconds >= 120 ? 10 : 2;
const pinning = choosePinning(!args.includes("--no-pin"));
const machine = describeMachine(pinning);
const loadCpus = pinning?.simulator_and_load ?? null;
const command = `bun bench/overhead/soak.ts${args.length ? ` ${args.join(" ")}` : ""}`;

console.log(
  `soak: modelux (realistic setup), ${rate} req/s open loop, ${mode} simulator, ${seconds} s`,
);
const simulator = await spawnServer({
  name: "simulator",
  command: [process.execPath, join(ROOT, "bench/overhead/targets/simulator.ts")],
  cpus: loadCpus,
});
await setMode(simulator.url, mode);
const target = await startTarget("modelux", simulator.url, pinning?.target ?? null);
const targetPid = target.process?.pid ?? 0;

const inFlight = Math.ceil(rate * MODE_EXPECTED_SECONDS[mode] * 1.5) + 8;
const spec: OpenLoopSpec = {
  requests: [target.request(false), target.request(true)],
  rate,
  seconds,
  warmupSeconds: 0,
  initialConnections: inFlight,
  maxConnections: Math.max(4 * inFlight, 256),
  timeoutMs: 30_000,
  intervalSeconds: SAMPLE_SECONDS,
};
const samples: SoakSample[] = [];
let result: OpenLoopResult | null = null;
let lastCpu = cpuSeconds(targetPid) ?? 0;
let lastAt = performance.now();
const startedAt = performance.now();
const onInterval = (report: IntervalReport) => {
  const now = performance.now();
  const cpu = cpuSeconds(targetPid) ?? lastCpu;
  const memory = memoryKb(targetPid);
  samples.push({
    at_s: Math.round((now - startedAt) / 1000),
    rss_mb: Math.round((memory?.rssKb ?? 0) / 102.4) / 10,
    cpu_pct: Math.round((1000 * (cpu - lastCpu)) / ((now - lastAt) / 1000)) / 10,
    completed: report.completed,
    errors: report.errors,
    p50_ms: report.p50_ms,
    p99_ms: report.p99_ms,
  });
  lastCpu = cpu;
  lastAt = now;
  const sample = samples[samples.length - 1] as SoakSample;
  console.log(
    `  ${String(sample.at_s).padStart(4)} s  rss ${sample.rss_mb.toFixed(1).padStart(6)} MB  cpu ${sample.cpu_pct.toFixed(0).padStart(3)} %  answered ${sample.completed}  errors ${sample.errors}  p50 ${sample.p50_ms ?? "—"} ms  p99 ${sample.p99_ms ?? "—"} ms`,
  );
};
const generator = spawnProcess({
  name: "open-loop",
  command: [process.execPath, join(ROOT, "bench/overhead/load/open-loop.ts")],
  env: { BENCH_LOAD_SPEC: JSON.stringify(spec) },
  cpus: loadCpus,
  onLine: (line) => {
    if (line.startsWith("INTERVAL ")) onInterval(JSON.parse(line.slice("INTERVAL ".length)));
    if (line.startsWith("RESULT ")) result = JSON.parse(line.slice("RESULT ".length));
  },
});
const exitCode = await generator.exited;
await Bun.sleep(50);
const peakRssMb = Math.round((memoryKb(targetPid)?.peakKb ?? 0) / 102.4) / 10;
await target.process?.stop();
await simulator.process.stop();
const final = result as OpenLoopResult | null;
if (exitCode !== 0 || final === null)
  throw new Error(`the load generator failed (exit ${exitCode}):\n${generator.output()}`);

const errors =
  final.errors.connect + final.errors.disconnect + final.errors.timeout + final.errors.non_2xx;
const report: SoakReport = {
  measured_at: new Date().toISOString(),
  command,
  machine,
  load_average_end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  rate,
  mode,
  seconds,
  sent: final.sent,
  answered: final.completed,
  errors,
  error_breakdown: final.errors,
  latency: final.latency,
  ttft: final.ttft,
  self_reported_overhead: final.self_reported_overhead,
  lifetime_peak_rss_mb: peakRssMb,
  memory: analyzeMemory(samples),
  samples,
};
const memory = report.memory;
console.log(
  `\nanswered ${final.completed} of ${final.sent}, errors ${errors}; RSS ${memory.start_mb} → ${memory.end_mb} MB after warm-up (slope ${memory.slope_mb_per_min} MB/min): ${memory.flat ? "flat" : "NOT flat"}`,
);
const resultsDirectory =
  process.env.BENCH_RESULTS_DIR ?? (seconds >= 600 ? join(ROOT, "bench/results") : null);
if (resultsDirectory) {
  mkdirSync(resultsDirectory, { recursive: true });
  writeFileSync(join(resultsDirectory, "soak.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(resultsDirectory, "soak.md"), renderSoakMarkdown(report));
  console.log(`wrote ${join(resultsDirectory, "soak.{json,md}")}`);
}
process.exit(errors === 0 && memory.flat ? 0 : 1);
