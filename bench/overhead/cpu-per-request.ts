// CPU per request of the data plane, measured in one process: the simulator and the benchmarked
// data plane (bench/overhead/targets/modelux.ts's setup) run in this process, requests are sent
// one after another (each stream read to its end), and the process's CPU time (all threads) over
// N requests is divided by N. The same requests sent to the simulator directly give the part
// that is not the data plane's; the difference is the data plane's CPU per request. Rounds are
// interleaved and the lowest of each is kept, so a loaded machine moves the numbers little.
//
//   bun bench/overhead/cpu-per-request.ts [--requests=1000] [--rounds=3] [--setup=full] [--only=…]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { defaultObservability } from "#shared/env/settings.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { startDataPlane } from "../../dataplane/node.ts";
import { startSimulator } from "../../simulator/server.ts";
import { startControlPlaneStandIn } from "./targets/control-plane-stand-in.ts";
import {
  BENCH_CLAUDE_ROUTE,
  BENCH_PROXY_KEY,
  BENCH_ROUTE,
  benchSnapshotBody,
  parseSetup,
} from "./targets/modelux-snapshot.ts";
import { chatBody, responsesBody } from "./targets.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const requests = Number(flag("requests", "1000"));
const rounds = Number(flag("rounds", "3"));
const setup = parseSetup(flag("setup", "full"));
/** Only the variants whose name contains this (for a CPU profile of one: `bun --cpu-prof`). */
const only = flag("only", "");

const simulator = startSimulator({ port: 0 });
const box = new SecretBox(new Uint8Array(32).fill(9));
const bus = createInProcessBus();
await bus.config.put(sealSnapshot(1, benchSnapshotBody(setup, simulator.url, box)));
const standIn = await startControlPlaneStandIn(bus);
const node = await startDataPlane({
  nodeId: "bench",
  hostname: "127.0.0.1",
  port: 0,
  secretBox: box,
  bus: Promise.resolve(bus),
  ...(setup.wal ? { traceDirectory: join(mkdtempSync(join(tmpdir(), "modelux-cpu-")), "t") } : {}),
  observability: defaultObservability(),
  log: () => {},
});
while (node.context.loader.current === null) await Bun.sleep(5);

interface Variant {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}
const gateway = (name: string, path: string, body: string): Variant => ({
  name,
  url: `${node.url}/openai/v1/${path}`,
  headers: { authorization: `Bearer ${BENCH_PROXY_KEY}`, "content-type": "application/json" },
  body,
});
const direct = (name: string, path: string, body: string): Variant => ({
  name,
  url: `${simulator.url}/v1/${path}`,
  headers: {
    authorization: "Bearer sk-sim",
    "x-api-key": "sk-ant-sim",
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
  },
  body,
});
const claudeBody = JSON.stringify({
  model: "claude-haiku-4-5",
  max_tokens: 20,
  stream: true,
  messages: [{ role: "user", content: "Say hello in one short sentence." }],
});
const variants: Variant[] = [
  direct("direct openai chat", "chat/completions", chatBody("gpt-4o-mini", true)),
  direct("direct openai responses", "responses", responsesBody("gpt-4o-mini")),
  direct("direct anthropic messages", "messages", claudeBody),
  gateway("chat @bench", "chat/completions", chatBody(`@${BENCH_ROUTE}`, true)),
  gateway("responses @bench", "responses", responsesBody(`@${BENCH_ROUTE}`)),
  gateway("chat @bench-claude", "chat/completions", chatBody(`@${BENCH_CLAUDE_ROUTE}`, true)),
  gateway("responses @bench-claude", "responses", responsesBody(`@${BENCH_CLAUDE_ROUTE}`)),
];

async function once(variant: Variant): Promise<void> {
  const response = await fetch(variant.url, {
    method: "POST",
    headers: variant.headers,
    body: variant.body,
  });
  if (response.status !== 200) throw new Error(`${variant.name}: ${response.status}`);
  await response.arrayBuffer();
}

const best = new Map<string, number>();
const measured = variants.filter((variant) => variant.name.includes(only));
for (const variant of measured) for (let i = 0; i < 50; i++) await once(variant);
for (let round = 0; round < rounds; round++) {
  for (const variant of measured) {
    Bun.gc(true);
    const before = process.cpuUsage();
    for (let i = 0; i < requests; i++) await once(variant);
    const used = process.cpuUsage(before);
    const micros = (used.user + used.system) / requests;
    best.set(variant.name, Math.min(best.get(variant.name) ?? Infinity, micros));
  }
}
const of = (name: string) => best.get(name) ?? Number.NaN;
const row = (name: string, floor: string) =>
  best.has(name)
    ? `| ${name} | ${of(name).toFixed(0)} | ${best.has(floor) ? (of(name) - of(floor)).toFixed(0) : "—"} |`
    : "";
console.log(
  `| request (${requests} × ${rounds} rounds, lowest) | µs CPU, all | µs CPU, data plane |`,
);
console.log("| --- | --- | --- |");
const rows = [
  row("direct openai chat", ""),
  row("direct openai responses", ""),
  row("direct anthropic messages", ""),
  row("chat @bench", "direct openai chat"),
  row("responses @bench", "direct openai responses"),
  row("chat @bench-claude", "direct anthropic messages"),
  row("responses @bench-claude", "direct anthropic messages"),
];
console.log(rows.filter((line) => line !== "").join("\n"));
await node.stop();
await standIn.stop();
await bus.close();
await simulator.stop();
process.exit(0);
