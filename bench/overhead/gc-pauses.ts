// Where the p99 at 1k req/s goes: each target at the benchmark's 1k req/s open loop (plain chat,
// instant simulator, the same pinning as `bun run bench`), its latency percentiles beside what
// JavaScriptCore's collector did meanwhile (`BUN_JSC_logGC=2` on the target, read from its
// stderr): young (eden) and full collections, their mean and worst pause, and how much the heap
// kept after each young collection (what survived it, to be found again by a full one). Targets
// run one after another, round after round, each on a fresh process warmed at the same rate.
//
//   bun bench/overhead/gc-pauses.ts [--targets=bare,modelux] [--rounds=3] [--seconds=10]
//       [--rate=1000] [--setup=full]
//       [--variant=NAME:ENV=value;ENV2=value]…   (modelux again with that environment, e.g.
//                                                  MODELUX_METRICS=off or a BUN_JSC_ setting)
//       [--bare-with=NAME:module,module]…         (the bare proxy with those modules imported
//                                                  first, paths from the repository's root or
//                                                  package names: the same proxy, more code)
//
// The collector's log is Bun's own debugging output, not an API: if a Bun release changes its
// format the counts read zero (the latencies still hold). Read it against docs/performance.md
// "The collector's pause".
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type CollectorSummary, summarizeCollectorLog } from "./collector-log.ts";
import type { LatencySummary } from "./load/latency.ts";
import type { OpenLoopResult } from "./load/open-loop-run.ts";
import { choosePinning } from "./machine.ts";
import { median } from "./median.ts";
import { setMode } from "./modes.ts";
import { ROOT, spawnProcess, spawnServer } from "./processes.ts";
import { BENCH_PROXY_KEY, BENCH_ROUTE } from "./targets/modelux-snapshot.ts";
import { chatBody } from "./targets.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const flags = (name: string) =>
  args.filter((arg) => arg.startsWith(`--${name}=`)).map((arg) => arg.slice(name.length + 3));
const rounds = Number(flag("rounds", "3"));
const seconds = Number(flag("seconds", "10"));
const rate = Number(flag("rate", "1000"));
const setup = flag("setup", "full");

interface Target {
  name: string;
  script: string;
  env: Record<string, string>;
  /** Addressed as the bare proxy (the simulator's model and key) or as modelux. */
  bare: boolean;
}

const named = (text: string): [string, string] => {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new Error(`expected NAME:…, got ${text}`);
  return [text.slice(0, colon), text.slice(colon + 1)];
};
const BARE = "bench/overhead/targets/bare-proxy.ts";
const MODELUX = "bench/overhead/targets/modelux.ts";
const targets: Target[] = [
  ...flag("targets", "bare,modelux")
    .split(",")
    .map((name): Target => {
      if (name === "bare") return { name, script: BARE, env: {}, bare: true };
      if (name === "modelux")
        return { name, script: MODELUX, env: { BENCH_MODELUX_SETUP: setup }, bare: false };
      throw new Error(`--targets are bare and modelux (--variant and --bare-with add others)`);
    }),
  ...flags("variant").map((text): Target => {
    const [name, pairs] = named(text);
    const env = Object.fromEntries(
      pairs
        .split(";")
        .filter((pair) => pair.includes("="))
        .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    );
    return { name, script: MODELUX, env: { BENCH_MODELUX_SETUP: setup, ...env }, bare: false };
  }),
  ...flags("bare-with").map((text): Target => {
    const [name, modules] = named(text);
    // Paths from the repository's root (./dataplane/node.ts); package names as they are.
    const absolute = modules
      .split(",")
      .map((module) => (module.startsWith(".") ? join(ROOT, module) : module));
    return { name, script: BARE, env: { BENCH_BARE_PRELOAD: absolute.join(",") }, bare: true };
  }),
];

async function openLoop(url: string, headers: Record<string, string>, model: string) {
  let line = "";
  const generator = spawnProcess({
    name: "open-loop",
    command: [process.execPath, join(ROOT, "bench/overhead/load/open-loop.ts")],
    env: {
      BENCH_LOAD_SPEC: JSON.stringify({
        requests: [{ url, headers, body: chatBody(model, false) }],
        rate,
        seconds,
        warmupSeconds: 2,
        initialConnections: 16,
        maxConnections: 512,
        timeoutMs: 30_000,
      }),
    },
    cpus: pinning?.simulator_and_load ?? null,
    onLine: (text) => {
      if (text.startsWith("RESULT ")) line = text;
    },
  });
  const code = await generator.exited;
  await Bun.sleep(20);
  if (code !== 0 || line === "") throw new Error(`open-loop failed:\n${generator.output()}`);
  return JSON.parse(line.slice("RESULT ".length)) as OpenLoopResult;
}

interface Row {
  latency: LatencySummary;
  collector: CollectorSummary;
}

async function measure(target: Target, simulatorUrl: string): Promise<Row> {
  // The collector's lines go to stderr; spawnProcess keeps only its tail, so it goes to a file.
  const file = join(logDirectory, `${target.name}.log`);
  const started = await spawnServer({
    name: target.name,
    command: [
      "sh",
      "-c",
      'exec "$0" "$1" 2>"$2"',
      process.execPath,
      join(ROOT, target.script),
      file,
    ],
    env: { BENCH_UPSTREAM_URL: simulatorUrl, BUN_JSC_logGC: "2", ...target.env },
    cpus: pinning?.target ?? null,
  });
  try {
    const base = target.bare ? started.url : `${started.url}/openai`;
    const url = `${base}/v1/chat/completions`;
    const headers = {
      Authorization: target.bare ? "Bearer sk-sim" : `Bearer ${BENCH_PROXY_KEY}`,
    };
    const model = target.bare ? "gpt-4o-mini" : `@${BENCH_ROUTE}`;
    await openLoop(url, headers, model); // warm-up at the same rate, not recorded
    const before = (await Bun.file(file).text()).length;
    const result = await openLoop(url, headers, model);
    const log = (await Bun.file(file).text()).slice(before);
    if (result.latency === null) throw new Error(`${target.name}: no answer recorded`);
    return { latency: result.latency, collector: summarizeCollectorLog(log) };
  } finally {
    await started.process.stop();
  }
}

const logDirectory = mkdtempSync(join(tmpdir(), "modelux-gc-"));
const pinning = choosePinning(true);
const width = Math.max(...targets.map((target) => target.name.length));

if (import.meta.main) {
  const simulator = await spawnServer({
    name: "simulator",
    command: [process.execPath, join(ROOT, "bench/overhead/targets/simulator.ts")],
    cpus: pinning?.simulator_and_load ?? null,
  });
  const rows = new Map<string, Row[]>(targets.map((target) => [target.name, []]));
  try {
    await setMode(simulator.url, "instant");
    for (let round = 1; round <= rounds; round += 1) {
      for (const target of targets) {
        const row = await measure(target, simulator.url);
        rows.get(target.name)?.push(row);
        const { latency, collector } = row;
        console.log(
          `round ${round} ${target.name.padEnd(width)} p50 ${latency.p50.toFixed(3)} p99 ${latency.p99.toFixed(3)} p99.9 ${latency.p999.toFixed(3)} ms; young ${collector.young} (mean pause ${collector.mean_pause?.toFixed(3) ?? "—"}, max ${collector.max_pause?.toFixed(3) ?? "—"} ms, kept ${collector.kept_kb?.toFixed(0) ?? "—"} kB each), full ${collector.full}; load ${loadavg()[0]?.toFixed(2)}`,
        );
      }
    }
  } finally {
    await simulator.process.stop();
  }
  console.log(
    `medians of ${rounds} rounds, ${rate} req/s plain for ${seconds} s (${pinning ? "pinned" : "unpinned"}):`,
  );
  for (const [name, runs] of rows) {
    const of = (pick: (row: Row) => number | null) =>
      median(runs.map(pick).filter((value): value is number => value !== null));
    console.log(
      `  ${name.padEnd(width)} p50 ${of((row) => row.latency.p50).toFixed(3)} p99 ${of((row) => row.latency.p99).toFixed(3)} ms; young ${of((row) => row.collector.young)}, mean pause ${of((row) => row.collector.mean_pause).toFixed(3)} ms, full ${of((row) => row.collector.full)}`,
    );
  }
}
