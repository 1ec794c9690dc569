// The data plane's own CPU time per request, with the network out of the way: one process runs
// the data plane (the benchmark's snapshot, `--setup=` as profile.ts) and calls its request
// handler directly, with `fetch` to the upstream answered from memory (the simulator's own bytes,
// recorded once at start; a stream in one chunk per SSE event). The same loop through a bare
// pass-through handler (bare-proxy.ts's, on the same in-memory upstream) gives the floor, so
// "added" is what modelux costs beyond a proxy, per request, with no socket, no HTTP parsing and
// no other process in the figure. Every upstream call takes Bun's fetch here (answered from
// memory), streamed ones included: the data plane's own sockets client, the default for
// streams, is measured on real sockets by stream-cpu.ts. CPU time (process.cpuUsage) moves far
// less than wall time on a machine shared with other work; rounds alternate modelux and bare and
// the median is kept.
//
//   bun bench/overhead/fixed-cost.ts [--setup=off|full|fallback,budget,wal] [--stream]
//                                     [--api=chat|responses] [--chunks=event|whole]
//                                     [--requests=20000] [--rounds=5] [--concurrency=64]
//
// --api=responses sends the benchmark's Responses request (always streamed: a passthrough to
// OpenAI on the `bench` route) instead of chat. --chunks=whole hands the stream over in one
// chunk instead of one per SSE event: the difference between the two is the per-chunk cost.
//
// --base=<another checkout>: an A/B of two trees in one process: a second data plane from that
// checkout's own modules (`git worktree add --detach /tmp/base main`, or `git archive main | tar
// -x` with a node_modules link) runs beside this tree's, rounds interleaving this tree, the base
// and the bare handler; what is printed is each round's difference (this tree minus the base)
// and their median, steadier on a loaded machine than two processes run one after the other.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startSimulator } from "../../simulator/server.ts";
import { median } from "./median.ts";
import { ROOT } from "./processes.ts";
import { BENCH_PROXY_KEY, BENCH_ROUTE, parseSetup } from "./targets/modelux-snapshot.ts";
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
const baseRoot = args.find((arg) => arg.startsWith("--base="))?.slice("--base=".length);
// --objects[=N]: instead of CPU rounds, the objects each handler allocates per request (N
// requests one at a time, no collection in between: deterministic where CPU time is not).
const objectsFlag = args.find((arg) => arg === "--objects" || arg.startsWith("--objects="));

// The simulator's answers, recorded once, then served from memory.
const simulator = startSimulator({ port: 0 });
const record = async (streamed: boolean, path = "chat/completions") => {
  const answer = await fetch(`${simulator.url}/v1/${path}`, {
    method: "POST",
    headers: { Authorization: "Bearer sk-sim", "content-type": "application/json" },
    // A chat stream as the data plane's fast path asks for it (stream_options.include_usage, so
    // the upstream's usage ends it); recorded without, the data plane would count every stream's
    // sent text (the path of a stream cut before its usage), which real streams never take.
    body:
      path === "responses"
        ? responsesBody("gpt-4o-mini")
        : streamed
          ? JSON.stringify({
              ...JSON.parse(chatBody("gpt-4o-mini", true)),
              stream_options: { include_usage: true },
            })
          : chatBody("gpt-4o-mini", false),
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

/** A data plane built from the modules of the checkout at `root`, on its own in-process bus. */
async function startPlane(root: string, label: string) {
  const from = (path: string) => import(resolve(root, path));
  const { createInProcessBus } = await from("shared/bus/in-process.ts");
  const { SecretBox } = await from("shared/crypto/secret-box.ts");
  const { defaultObservability } = await from("shared/env/settings.ts");
  const { sealSnapshot } = await from("shared/snapshot/envelope.ts");
  const { startDataPlane } = await from("dataplane/node.ts");
  const { startControlPlaneStandIn } = await from(
    "bench/overhead/targets/control-plane-stand-in.ts",
  );
  const snapshot = await from("bench/overhead/targets/modelux-snapshot.ts");
  // Streamed attempts go through the data plane's sockets client by default, which would dial
  // the in-memory upstream's made-up host: here every attempt takes fetch, answered from memory.
  // What the sockets client costs per chunk is stream-cpu.ts's to measure, on real sockets.
  const upstreamClient = await from("dataplane/pipeline/upstream-fetch.ts");
  upstreamClient.useUpstreamClient?.("fetch");
  // Responses are stored (the benchmark's request does not say `store: false`): a small store
  // cap keeps the work per request (serialize, put, evict the oldest) without a heap that grows
  // to the default 256 MB of stored JSON over a run and moves the figures with its collections.
  const bus = createInProcessBus({ state: { maxBytes: 16 * 1024 * 1024 } });
  const box = new SecretBox(snapshot.BENCH_SECRET_KEY);
  await bus.config.put(sealSnapshot(1, snapshot.benchSnapshotBody(setup, `${UPSTREAM}`, box)));
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
    log: (message: string) => console.error(`${label}: ${message}`),
  });
  while (node.context.loader.current === null) await Bun.sleep(5);
  return {
    handle: node.handle as (request: Request) => Response | Promise<Response>,
    async stop() {
      await node.stop({ graceMs: 0 });
      await standIn.stop();
      await bus.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
const node = await startPlane(ROOT, "modelux");
const base = baseRoot === undefined ? null : await startPlane(baseRoot, "base");

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

/**
 * Objects allocated per request by each handler, by JSC cell type: the heap's type counts before
 * and after `count` requests made one at a time, with no collection in between (a weakly held
 * object made at the start still there at the end says none ran; else the count is retried
 * smaller). Garbage is counted as allocated, which is the point: it is what the collector pays
 * for. The telemetry drain and the log's group write run inside the window (a 120 ms wait).
 */
async function countObjects() {
  const { heapStats } = await import("bun:jsc");
  const count = Number(objectsFlag?.split("=")[1] ?? "200");
  const handlers: Array<[string, (request: Request) => Response | Promise<Response>]> = [
    ["modelux", node.handle],
    ...(base ? [["base", base.handle] as [string, typeof node.handle]] : []),
    ["bare", bare],
  ];
  const perRequest = new Map<string, Map<string, number>>();
  for (const [name, handle] of handlers) {
    for (let size = count; ; size = Math.floor(size / 2)) {
      if (size < 10) throw new Error("a collection ran inside every window");
      Bun.gc(true);
      await Bun.sleep(10);
      const before = heapStats();
      const sentinel = new WeakRef({ made: Date.now() });
      for (let index = 0; index < size; index += 1) {
        const response = await handle(makeRequest());
        await response.arrayBuffer();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Bun.sleep(120);
      const after = heapStats();
      if (sentinel.deref() === undefined) continue;
      const counts = new Map<string, number>();
      const types = after.objectTypeCounts as Record<string, number>;
      const earlier = before.objectTypeCounts as Record<string, number>;
      for (const type of Object.keys(types))
        counts.set(type, ((types[type] ?? 0) - (earlier[type] ?? 0)) / size);
      perRequest.set(name, counts);
      break;
    }
  }
  const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
  const names = [...perRequest.keys()];
  console.log(
    `objects per request (${names.join(" / ")}): ${names.map((name) => total(perRequest.get(name) as Map<string, number>).toFixed(1)).join(" / ")}`,
  );
  const types = [...new Set(names.flatMap((name) => [...(perRequest.get(name)?.keys() ?? [])]))];
  const of = (name: string, type: string) => perRequest.get(name)?.get(type) ?? 0;
  for (const type of types
    .filter((type) => names.some((name) => Math.abs(of(name, type)) >= 0.05))
    .sort((a, b) => of("modelux", b) - of("modelux", a)))
    console.log(
      `  ${type.padEnd(34)}${names.map((name) => of(name, type).toFixed(2).padStart(9)).join("")}`,
    );
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] as number;
};

await loop(node.handle, Math.min(requests, 5000));
if (base) await loop(base.handle, Math.min(requests, 5000));
await loop(bare, Math.min(requests, 5000));
if (objectsFlag !== undefined) {
  await countObjects();
  await node.stop();
  await base?.stop();
  process.exit(0);
}
const modelux: number[] = [];
const floor: number[] = [];
const baseline: number[] = [];
const differences: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  // The two trees take turns going first, so neither always runs right after the bare loop.
  const baseFirst = base !== null && round % 2 === 1;
  const before = baseFirst ? await loop(base.handle, requests) : null;
  const mine = await loop(node.handle, requests);
  const after = base !== null && !baseFirst ? await loop(base.handle, requests) : null;
  const theirs = await loop(bare, requests);
  const other = before ?? after;
  if (mine.failures > 0) throw new Error(`${mine.failures} requests through modelux failed`);
  if (other && other.failures > 0)
    throw new Error(`${other.failures} requests through the base failed`);
  modelux.push(mine.cpuUs);
  floor.push(theirs.cpuUs);
  if (other) {
    baseline.push(other.cpuUs);
    differences.push(mine.cpuUs - other.cpuUs);
  }
  console.log(
    `round ${round + 1}: modelux ${mine.cpuUs.toFixed(1)} µs/req CPU, ${other ? `base ${other.cpuUs.toFixed(1)} (difference ${(mine.cpuUs - other.cpuUs).toFixed(1)}), ` : ""}bare ${theirs.cpuUs.toFixed(1)}, added ${(mine.cpuUs - theirs.cpuUs).toFixed(1)}`,
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
if (base)
  console.log(
    `against the base (${baseRoot}): base ${median(baseline).toFixed(1)} µs/req CPU, this tree minus the base ${median(differences).toFixed(1)} µs/req (median of the ${rounds} rounds' differences, ${differences.filter((value) => value < 0).length} lower; quartiles ${quantile(differences, 0.25).toFixed(1)} / ${quantile(differences, 0.75).toFixed(1)}: ${differences.map((value) => value.toFixed(1)).join(", ")})`,
  );
await node.stop();
await base?.stop();
process.exit(0);
