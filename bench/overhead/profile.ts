// Profiles the modelux target under closed-loop load: the same processes and pinning as the
// benchmark, the data plane run with `bun --cpu-prof`, then the busiest functions by samples.
//
//   bun bench/overhead/profile.ts [--setup=off] [--stream] [--seconds=8] [--connections=64]
//   bun bench/overhead/profile.ts --no-profile   (throughput only, for quick A/B of a change)
//   bun bench/overhead/profile.ts --api=responses [--route=bench-claude]
//
// --api=responses streams the benchmark's Responses request (always streamed) instead of chat;
// --route picks the config (`bench`, the default: OpenAI, so Responses is a passthrough;
// `bench-claude`: Claude, translated). The data plane's CPU time over the measured run is
// printed per request (µs of CPU, all threads), steadier than req/s on a shared machine, with
// the peak RSS over the run and the 1-minute load average.
//   bun bench/overhead/profile.ts --no-profile --runs=5   (five measured runs on one process)
//   bun bench/overhead/profile.ts --no-profile --bun=--smol   (Bun flags for the data plane,
//                                                             comma-separated: GC settings)
//   bun bench/overhead/profile.ts --no-profile --env=NAME=value,…   (its environment, e.g. the
//                                                             allocator's or JSC's settings)
//
// The .cpuprofile is kept (path printed) for Chrome DevTools or speedscope.
import { mkdtempSync, readdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseWrkOutput, wrkCommand, wrkEnvironment } from "./load/wrk.ts";
import { choosePinning } from "./machine.ts";
import { cpuSeconds, UsageWindow } from "./proc-stats.ts";
import { ROOT, spawnServer } from "./processes.ts";
import { summarizeProfile } from "./profile-summary.ts";
import { BENCH_PROXY_KEY, BENCH_ROUTE } from "./targets/modelux-snapshot.ts";
import { chatBody, responsesBody } from "./targets.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const setup = flag("setup", "full");
const api = flag("api", "chat");
if (api !== "chat" && api !== "responses") throw new Error("--api is chat or responses");
const route = flag("route", BENCH_ROUTE);
const stream = api === "responses" || args.includes("--stream");
const seconds = Number(flag("seconds", "8"));
const connections = Number(flag("connections", "64"));
const profiling = !args.includes("--no-profile");
const runs = Number(flag("runs", "1"));
const extraEnv = Object.fromEntries(
  flag("env", "")
    .split(",")
    .filter((pair) => pair.includes("="))
    .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
);
const bunFlags = flag("bun", "")
  .split(",")
  .filter((arg) => arg !== "");
const pinning = choosePinning(true);
const profileDirectory = mkdtempSync(join(tmpdir(), "modelux-profile-"));

const simulator = await spawnServer({
  name: "simulator",
  command: [process.execPath, join(ROOT, "bench/overhead/targets/simulator.ts")],
  cpus: pinning?.simulator_and_load ?? null,
});
const modelux = await spawnServer({
  name: "modelux",
  command: [
    process.execPath,
    ...bunFlags,
    ...(profiling
      ? ["--cpu-prof", `--cpu-prof-dir=${profileDirectory}`, "--cpu-prof-interval=250"]
      : []),
    join(ROOT, "bench/overhead/targets/modelux.ts"),
  ],
  env: { BENCH_UPSTREAM_URL: simulator.url, BENCH_MODELUX_SETUP: setup, ...extraEnv },
  cpus: pinning?.target ?? null,
});
const request = {
  url: `${modelux.url}/openai/v1/${api === "chat" ? "chat/completions" : "responses"}`,
  headers: { Authorization: `Bearer ${BENCH_PROXY_KEY}` },
  body: api === "chat" ? chatBody(`@${route}`, stream) : responsesBody(`@${route}`),
};
const run = (duration: number) => {
  const result = Bun.spawnSync(
    [
      ...(pinning ? ["taskset", "-c", pinning.simulator_and_load] : []),
      ...wrkCommand(request, connections, duration),
    ],
    { env: { ...process.env, ...wrkEnvironment(request) }, stdout: "pipe" },
  );
  return parseWrkOutput(result.stdout.toString());
};
run(2);
for (let index = 0; index < runs; index += 1) {
  const load = loadavg()[0]?.toFixed(2);
  const usage = new UsageWindow({ modelux: modelux.process.pid });
  const cpuBefore = cpuSeconds(modelux.process.pid) ?? 0;
  const measured = run(seconds);
  const cpuUsed = (cpuSeconds(modelux.process.pid) ?? 0) - cpuBefore;
  const used = usage.stop().modelux;
  const cpuUs = measured.requests > 0 ? (1e6 * cpuUsed) / measured.requests : 0;
  console.log(
    `modelux${[...bunFlags, ...Object.entries(extraEnv).map(([name, value]) => `${name}=${value}`)].map((part) => ` ${part}`).join("")} (${setup}, ${api} @${route}, ${stream ? "streamed" : "plain"}), ${connections} connections: ${Math.round(measured.throughput)} req/s, ${cpuUs.toFixed(1)} µs CPU per request (${Math.round((100 * cpuUsed) / measured.seconds)} % of a core), p50 ${measured.latency?.p50} ms, p99 ${measured.latency?.p99} ms, peak RSS ${used?.peak_rss_mb} MB, errors ${JSON.stringify(measured.errors)}, load ${load}`,
  );
}
await modelux.process.stop();
await simulator.process.stop();

if (!profiling) process.exit(0);
const file = readdirSync(profileDirectory).find((name) => name.endsWith(".cpuprofile"));
if (!file) throw new Error(`no profile written in ${profileDirectory}`);
const path = join(profileDirectory, file);
console.log(`profile: ${path}\n`);
console.log(summarizeProfile(await Bun.file(path).json(), 35, 45));
