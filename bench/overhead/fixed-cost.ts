// The data plane's own CPU time per request, with the network out of the way: one process runs
// the data plane (the benchmark's snapshot, `--setup=` as profile.ts) and calls its request
// handler directly, with `fetch` to the upstream answered from memory (the simulator's own bytes,
// recorded once at start; a stream in one chunk per SSE event). The same loop through a bare
// pass-through handler (bare-proxy.ts's, on the same in-memory upstream) gives the floor, so
// "added" is what modelux costs beyond a proxy, per request, with no socket, no HTTP parsing and
// no other process in the figure. CPU time (process.cpuUsage) moves far less than wall time on a
// machine shared with other work; rounds alternate modelux and bare and the median is kept.
//
//   bun bench/overhead/fixed-cost.ts [--setup=off|full|fallback,budget,wal] [--stream]
//                                     [--api=chat|responses] [--chunks=event|whole]
//                                     [--requests=20000] [--rounds=5] [--concurrency=64]
//
// --api=responses sends the benchmark's Responses request (always streamed: a passthrough to
// OpenAI on the `bench` route) instead of chat. --chunks=whole hands the stream over in one
// chunk instead of one per SSE event: the difference between the two is the per-chunk cost.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { defaultObservability } from "#shared/env/settings.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { startDataPlane } from "../../dataplane/node.ts";
import { startSimulator } from "../../simulator/server.ts";
import { startControlPlaneStandIn } from "./targets/control-plane-stand-in.ts";
import {
  BENCH_PROXY_KEY,
  BENCH_ROUTE,
  BENCH_SECRET_KEY,
  benchSnapshotBody,
  parseSetup,
} from "./targets/modelux-snapshot.ts";
import { chatBody, responsesBody } from "./targets.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const setupName = flag("setup", "full");
const setup = parseSetup(setupName);
const api = flag("api", "chat");
if (api !== "chat" && api !== "responses") throw new Error("--api is chat or responses");
const stream = api === "responses" || args.includes("--stream");
const chunking = flag("chunks", "event");
if (chunking !== "event" && chunking !== "whole") throw new Error("--chunks is event or whole");
const requests = Number(flag("requests", "20000"));
const rounds = Number(flag("rounds", "5"));
const concurrency = Number(flag("concurrency", "64"));

// The simulator's answers, recorded once, then served from memory.
const simulator = startSimulator({ port: 0 });
const record = async (streamed: boolean, path = "chat/completions") => {
  const answer = await fetch(`${simulator.url}/v1/${path}`, {
    method: "POST",
    headers: { Authorization: "Bearer sk-sim", "content-type": "application/json" },
    body: path === "responses" ? responsesBody("gpt-4o-mini") : chatBody("gpt-4o-mini", streamed),
  });
  const text = await answer.text();
  const headers = Object.fromEntries(answer.headers);
  delete headers["content-length"];
  const encoder = new TextEncoder();
  const chunks = !streamed
    ? [encoder.encode(text)]
    : chunking === "whole"
      ? [encoder.encode(text)]
      : text
          .split("\n\n")
          .filter((event) => event.length > 0)
          .map((event) => encoder.encode(`${event}\n\n`));
  return { headers, chunks };
};
const recorded = {
  plain: await record(false),
  stream: await record(true),
  responses: await record(true, "responses"),
};
await simulator.stop();

const UPSTREAM = "http://upstream.bench.invalid";
const realFetch = globalThis.fetch;
const inMemoryFetch = async (input: string | URL | Request, init?: RequestInit) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith(UPSTREAM)) return realFetch(input, init);
  const body = init?.body;
  const text = typeof body === "string" ? body : body ? await new Response(body).text() : "";
  const answer = url.endsWith("/responses")
    ? recorded.responses
    : text.includes('"stream":true')
      ? recorded.stream
      : recorded.plain;
  let next = 0;
  const readable = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = answer.chunks[next++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  return new Response(readable, { status: 200, headers: answer.headers });
};
globalThis.fetch = Object.assign(inMemoryFetch, { preconnect: realFetch.preconnect });

// Responses are stored (the benchmark's request does not say `store: false`): a small store cap
// keeps the work per request (serialize, put, evict the oldest) without a heap that grows to the
// default 256 MB of stored JSON over a run and moves the figures with its garbage collection.
const bus = createInProcessBus({ state: { maxBytes: 16 * 1024 * 1024 } });
const box = new SecretBox(BENCH_SECRET_KEY);
await bus.config.put(sealSnapshot(1, benchSnapshotBody(setup, `${UPSTREAM}`, box)));
const standIn = await startControlPlaneStandIn(bus);
const dataDir = mkdtempSync(join(tmpdir(), "modelux-fixed-cost-"));
const node = await startDataPlane({
  nodeId: "bench",
  hostname: "127.0.0.1",
  port: 0,
  secretBox: box,
  bus: Promise.resolve(bus),
  ...(setup.wal ? { traceDirectory: join(dataDir, "traces") } : {}),
  observability: { ...defaultObservability(), MODELUX_METRICS: "on" },
  log: (message) => console.error(`modelux: ${message}`),
});
while (node.context.loader.current === null) await Bun.sleep(5);

/** bare-proxy.ts's handler, on the same in-memory upstream. */
const DROPPED = new Set([
  "host",
  "connection",
  "content-length",
  "keep-alive",
  "transfer-encoding",
]);
const forwarded = (incoming: Headers) => {
  const headers = new Headers();
  for (const [name, value] of incoming) if (!DROPPED.has(name)) headers.set(name, value);
  return headers;
};
const bare = async (request: Request) => {
  const { pathname, search } = new URL(request.url);
  const answer = await fetch(`${UPSTREAM}${pathname}${search}`, {
    method: request.method,
    headers: forwarded(request.headers),
    body: request.body,
  });
  return new Response(answer.body, { status: answer.status, headers: forwarded(answer.headers) });
};

const body =
  api === "responses" ? responsesBody(`@${BENCH_ROUTE}`) : chatBody(`@${BENCH_ROUTE}`, stream);
const path = api === "responses" ? "/openai/v1/responses" : "/openai/v1/chat/completions";
const makeRequest = () =>
  new Request(`http://127.0.0.1${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${BENCH_PROXY_KEY}`,
      "content-type": "application/json",
      "content-length": String(body.length),
    },
    body,
  });

async function loop(handle: (request: Request) => Response | Promise<Response>, count: number) {
  let left = count;
  let failures = 0;
  const worker = async () => {
    while (left > 0) {
      left -= 1;
      const response = await handle(makeRequest());
      await response.arrayBuffer();
      if (response.status !== 200) failures += 1;
      // A turn of the event loop per request, as a server gets between requests: timers and
      // immediates run (the telemetry queue drains, traces ship) instead of piling up.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return {
    cpuUs: (used.user + used.system) / count,
    wallUs: ((performance.now() - started) * 1000) / count,
    failures,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

await loop(node.handle, Math.min(requests, 5000));
await loop(bare, Math.min(requests, 5000));
const modelux: number[] = [];
const floor: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  const mine = await loop(node.handle, requests);
  const theirs = await loop(bare, requests);
  if (mine.failures > 0) throw new Error(`${mine.failures} requests through modelux failed`);
  modelux.push(mine.cpuUs);
  floor.push(theirs.cpuUs);
  console.log(
    `round ${round + 1}: modelux ${mine.cpuUs.toFixed(1)} µs/req CPU, bare ${theirs.cpuUs.toFixed(1)}, added ${(mine.cpuUs - theirs.cpuUs).toFixed(1)}`,
  );
}
const rss = Math.round(process.memoryUsage().rss / 1e6);
if (args.includes("--heap")) {
  // What the RSS is made of: the JavaScript heap before and after a full collection, and the
  // object types most numerous after it.
  const { heapStats } = await import("bun:jsc");
  const before = heapStats();
  Bun.gc(true);
  const after = heapStats();
  const top = Object.entries(after.objectTypeCounts as Record<string, number>)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([type, count]) => `${type} ${count}`)
    .join(", ");
  if (process.env.FIXED_COST_SNAPSHOT)
    await Bun.write(process.env.FIXED_COST_SNAPSHOT, Bun.generateHeapSnapshot("v8"));
  console.log(
    `heap ${(before.heapSize / 1e6).toFixed(1)} MB (capacity ${(before.heapCapacity / 1e6).toFixed(1)}) → after a full GC ${(after.heapSize / 1e6).toFixed(1)} MB; extra memory ${(after.extraMemorySize / 1e6).toFixed(1)} MB; RSS after ${Math.round(process.memoryUsage().rss / 1e6)} MB; most objects: ${top}`,
  );
}
console.log(
  `fixed cost (${setupName}, ${api}, ${stream ? `streamed, chunks ${chunking} (${(api === "responses" ? recorded.responses : recorded.stream).chunks.length})` : "plain"}, ${concurrency} concurrent): modelux ${median(modelux).toFixed(1)} µs/req CPU, bare ${median(floor).toFixed(1)}, added ${(median(modelux) - median(floor)).toFixed(1)} (medians of ${rounds} rounds of ${requests}); RSS ${rss} MB; load ${loadavg()[0]?.toFixed(2)}`,
);
await node.stop({ graceMs: 0 });
await standIn.stop();
await bus.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
