// The data plane's CPU per realistic stream, A/B: the benchmark's simulator in realistic mode (50 ms
// to first token, 100 tokens/s: each SSE event arrives on its own, as in `bun run bench`), an
// open-loop load at a fixed rate, and the CPU time (all threads, /proc) of each target process
// over the run divided by the streams it served. Unlike fixed-cost.ts (upstream from memory, every
// chunk there at once), every chunk here wakes the event loop and is written to a real socket, so
// per-chunk costs show as they do under `bun run bench`. Targets run side by side and are measured
// in turn, round after round; the median of the rounds is kept. On a machine shared with other
// work read the differences between targets of one run, not the absolute figures.
//
//   bun bench/overhead/stream-cpu.ts [--api=chat|responses|chat-claude|responses-claude]
//       [--targets=bare,modelux] [--setup=full] [--rate=300] [--seconds=6] [--rounds=3]
//       [--b-root=/path/to/other/checkout]   (adds `modelux-b`: the same target from that tree)
//       [--b-api=responses]   (`modelux-b` from this tree, streaming that API instead)
//       [--together]   (every target loaded and measured in the same window: steadier A/B
//                       on a machine whose other load changes from one minute to the next)
//       [--mode=instant]   (the simulator's instant streams instead of realistic ones)
//       [--b-env=NAME=value,…] [--b-bun=--smol]  (`modelux-b` from this tree with that environment
//                                                   or those Bun flags, e.g. GC settings)
//
// `bare` is bare-proxy.ts (the runtime's floor: the upstream's body piped natively); it has no
// Claude routes, so it is left out of the -claude APIs. The TTFT and whole-stream percentiles
// are printed too, but on a loaded machine they measure the machine.
import { loadavg } from "node:os";
import { join } from "node:path";
import type { LatencySummary } from "./load/latency.ts";
import type { LoadRequest } from "./load/load-request.ts";
import type { OpenLoopResult } from "./load/open-loop-run.ts";
import { median } from "./median.ts";
import { setMode } from "./modes.ts";
import { cpuSeconds, threadCpuSeconds, UsageWindow } from "./proc-stats.ts";
import { ROOT, type RunningProcess, spawnProcess, spawnServer } from "./processes.ts";
import { BENCH_CLAUDE_ROUTE, BENCH_PROXY_KEY, BENCH_ROUTE } from "./targets/modelux-snapshot.ts";
import { chatBody, responsesBody } from "./targets.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const api = flag("api", "chat");
const APIS = ["chat", "responses", "chat-claude", "responses-claude"];
if (!APIS.includes(api)) throw new Error(`--api is one of ${APIS.join(", ")}`);
const setup = flag("setup", "full");
const rate = Number(flag("rate", "300"));
const seconds = Number(flag("seconds", "6"));
const rounds = Number(flag("rounds", "3"));
const bEnv = Object.fromEntries(
  flag("b-env", "")
    .split(",")
    .filter((pair) => pair.includes("="))
    .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
);
const bBun = flag("b-bun", "")
  .split(",")
  .filter((arg) => arg !== "");
/** Measure the targets at once, each under its own load, rather than one after another. */
const together = args.includes("--together");
/** `modelux-b` streams this API instead (chat against Responses on one tree: --b-root=.). */
const bApi = flag("b-api", api);
if (!APIS.includes(bApi)) throw new Error(`--b-api is one of ${APIS.join(", ")}`);
const bRoot = flag(
  "b-root",
  Object.keys(bEnv).length > 0 || bBun.length > 0 || bApi !== api ? ROOT : "",
);
const names = flag("targets", "bare,modelux")
  .split(",")
  .filter((name) => name !== "")
  .filter((name) => !(name === "bare" && api.endsWith("-claude")));
if (bRoot !== "" && !names.includes("modelux-b")) names.push("modelux-b");

const bun = process.execPath;
const simulator = await spawnServer({
  name: "simulator",
  command: [bun, join(ROOT, "bench/overhead/targets/simulator.ts")],
  cpus: null,
});
// Instant mode (`--mode=instant`): each stream in one or two reads, as the closed-loop peaks of
// `bun run bench` stream: the per-request part of a stream's cost rather than the per-chunk one.
const mode = flag("mode", "realistic");
if (mode !== "realistic" && mode !== "instant") throw new Error("--mode is realistic or instant");
await setMode(simulator.url, mode);

interface Target {
  name: string;
  process: RunningProcess;
  request: LoadRequest;
}
const isResponses = (name: string) => name.startsWith("responses");
const routeOf = (name: string) => (name.endsWith("-claude") ? BENCH_CLAUDE_ROUTE : BENCH_ROUTE);
const responses = isResponses(api);
const started: Target[] = [];
for (const name of names) {
  if (name === "bare") {
    const server = await spawnServer({
      name,
      command: [bun, join(ROOT, "bench/overhead/targets/bare-proxy.ts")],
      env: { BENCH_UPSTREAM_URL: simulator.url },
      cpus: null,
    });
    started.push({
      name,
      process: server.process,
      request: {
        url: `${server.url}/v1/${responses ? "responses" : "chat/completions"}`,
        headers: { Authorization: "Bearer sk-sim" },
        body: responses ? responsesBody("gpt-4o-mini") : chatBody("gpt-4o-mini", true),
      },
    });
    continue;
  }
  if (name !== "modelux" && name !== "modelux-b") throw new Error(`unknown target ${name}`);
  const b = name === "modelux-b";
  const targetApi = b ? bApi : api;
  const server = await spawnServer({
    name,
    command: [bun, ...(b ? bBun : []), join(b ? bRoot : ROOT, "bench/overhead/targets/modelux.ts")],
    env: {
      BENCH_UPSTREAM_URL: simulator.url,
      BENCH_MODELUX_SETUP: setup,
      ...(b ? bEnv : {}),
    },
    cpus: null,
  });
  started.push({
    name,
    process: server.process,
    request: {
      url: `${server.url}/openai/v1/${isResponses(targetApi) ? "responses" : "chat/completions"}`,
      headers: { Authorization: `Bearer ${BENCH_PROXY_KEY}` },
      body: isResponses(targetApi)
        ? responsesBody(`@${routeOf(targetApi)}`)
        : chatBody(`@${routeOf(targetApi)}`, true),
    },
  });
}

async function openLoop(request: LoadRequest, duration: number): Promise<OpenLoopResult> {
  const inFlight = Math.ceil(rate * 0.3 * 1.5) + 8;
  let line = "";
  const generator = spawnProcess({
    name: "open-loop",
    command: [bun, join(ROOT, "bench/overhead/load/open-loop.ts")],
    env: {
      BENCH_LOAD_SPEC: JSON.stringify({
        requests: [request],
        rate,
        seconds: duration,
        warmupSeconds: 0,
        initialConnections: inFlight,
        maxConnections: Math.max(4 * inFlight, 256),
        timeoutMs: 30_000,
      }),
    },
    cpus: null,
    onLine: (text) => {
      if (text.startsWith("RESULT ")) line = text;
    },
  });
  const code = await generator.exited;
  await Bun.sleep(20);
  if (code !== 0 || line === "") throw new Error(`load failed (${code}): ${generator.output()}`);
  return JSON.parse(line.slice("RESULT ".length)) as OpenLoopResult;
}

interface Measured {
  cpuUs: number;
  ttft: LatencySummary | null;
  latency: LatencySummary | null;
  peakRssMb: number;
  errors: number;
  load: number;
  /** µs of CPU per stream by thread name (the JavaScript thread, the collector's, …). */
  threads: Map<string, number>;
}
const results = new Map<string, Measured[]>();
for (const target of started) await openLoop(target.request, 2); // JIT and connection warm-up
async function measure(target: Target): Promise<Measured> {
  const load = loadavg()[0] ?? 0;
  const usage = new UsageWindow({ target: target.process.pid });
  const before = cpuSeconds(target.process.pid) ?? 0;
  const threadsBefore = threadCpuSeconds(target.process.pid);
  const result = await openLoop(target.request, seconds);
  const used = (cpuSeconds(target.process.pid) ?? 0) - before;
  const threads = new Map<string, number>();
  for (const [name, after] of threadCpuSeconds(target.process.pid)) {
    const spent = after - (threadsBefore.get(name) ?? 0);
    if (spent > 0 && result.completed > 0) threads.set(name, (1e6 * spent) / result.completed);
  }
  const window = usage.stop().target;
  const errors =
    Object.values(result.errors).reduce((a, b) => a + b, 0) + (result.sent - result.completed);
  return {
    cpuUs: result.completed > 0 ? (1e6 * used) / result.completed : Number.NaN,
    ttft: result.ttft,
    latency: result.latency,
    peakRssMb: window?.peak_rss_mb ?? 0,
    errors,
    load,
    threads,
  };
}
const report = (round: number, name: string, measured: Measured) => {
  results.set(name, [...(results.get(name) ?? []), measured]);
  console.log(
    `round ${round + 1} ${name}: ${measured.cpuUs.toFixed(0)} µs CPU/stream, TTFT p50 ${measured.ttft?.p50} p99 ${measured.ttft?.p99} ms, peak RSS ${measured.peakRssMb} MB, errors ${measured.errors}, load ${measured.load.toFixed(2)}; by thread ${[...measured.threads].map(([thread, micros]) => `${thread} ${micros.toFixed(0)}`).join(", ")}`,
  );
};
for (let round = 0; round < rounds; round++) {
  if (together) {
    // Every target under load in the same window (a generator each): what else runs on the
    // machine then weighs on all of them alike.
    const measured = await Promise.all(started.map(measure));
    for (const [index, target] of started.entries())
      report(round, target.name, measured[index] as Measured);
  } else for (const target of started) report(round, target.name, await measure(target));
}

const loads = [...results.values()].flat().map((m) => m.load);
console.log(
  `\n| ${api}, ${setup}, ${rate} streams/s, ${rounds} × ${seconds} s, load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} | µs CPU per stream (median; rounds) | TTFT p50 / p99 ms (median) | peak RSS MB |`,
);
console.log("| --- | --- | --- | --- |");
for (const [name, measured] of results) {
  const cpu = measured.map((m) => m.cpuUs);
  console.log(
    `| ${name} | ${median(cpu).toFixed(0)} (${cpu.map((c) => c.toFixed(0)).join(" / ")}) | ${median(measured.map((m) => m.ttft?.p50 ?? Number.NaN))} / ${median(measured.map((m) => m.ttft?.p99 ?? Number.NaN))} | ${Math.max(...measured.map((m) => m.peakRssMb))} |`,
  );
}
// By thread, medians over the rounds: the JavaScript thread against the collector's and the
// runtime's (a change that allocates less shows on the collector's threads).
for (const [name, measured] of results) {
  const names = new Set(measured.flatMap((m) => [...m.threads.keys()]));
  const parts = [...names]
    .map((thread) => [thread, median(measured.map((m) => m.threads.get(thread) ?? 0))] as const)
    .filter(([, micros]) => micros >= 1)
    .sort((a, b) => b[1] - a[1])
    .map(([thread, micros]) => `${thread} ${micros.toFixed(0)}`);
  console.log(`${name} by thread (µs CPU per stream): ${parts.join(", ")}`);
}
// Round by round, each target against the first (the rounds pair up: same minute, and with
// --together the same window): steadier than the difference of the medians.
const [first, ...others] = [...results.entries()];
for (const [name, measured] of first ? others : []) {
  const paired = measured.map((m, index) => m.cpuUs - (first?.[1][index]?.cpuUs ?? Number.NaN));
  console.log(
    `${name} minus ${first?.[0]}: median ${median(paired).toFixed(0)} µs CPU per stream (rounds: ${paired.map((d) => d.toFixed(0)).join(" / ")})`,
  );
}
for (const target of started) await target.process.stop();
await simulator.process.stop();
process.exit(0);
