// The modelux data plane as benchmarked: the same `startDataPlane` as `bun run dataplane` and
// the embedded default, on the in-process bus, serving the snapshot of modelux-snapshot.ts.
// BENCH_MODELUX_SETUP=full: key auth, `fallback` config, a budget, traces to the write-ahead log
// (shipped over the bus and acked). =off: key auth and a `single` config only; traces stay in
// the in-memory ring (they cannot be switched off). A comma list (`fallback,budget`) picks parts.
// BENCH_NATS_URL set (the fleet target): the bus is that nats-server with JetStream, as in
// production; the snapshot, budget state and trace consumer come from the control-plane process
// (control-plane.ts), so spend deltas and every trace cross the network.
// Metrics are recorded as in a fleet; MODELUX_METRICS=off (for an A/B of their cost) records none.
// Upstream calls go through the data plane's own client, as by default; MODELUX_UPSTREAM_CLIENT=fetch
// (an A/B of docs/performance.md "The upstream client") makes them with Bun's fetch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { defaultObservability } from "#shared/env/settings.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { startDataPlane } from "../../../dataplane/node.ts";
import { useUpstreamClient } from "../../../dataplane/pipeline/upstream-fetch.ts";
import { startControlPlaneStandIn } from "./control-plane-stand-in.ts";
import { BENCH_SECRET_KEY, benchSnapshotBody, parseSetup } from "./modelux-snapshot.ts";

const simulatorUrl = process.env.BENCH_UPSTREAM_URL;
if (!simulatorUrl) throw new Error("BENCH_UPSTREAM_URL is required");
const setup = parseSetup(process.env.BENCH_MODELUX_SETUP);
const client = process.env.MODELUX_UPSTREAM_CLIENT ?? "sockets";
if (client !== "sockets" && client !== "fetch")
  throw new Error('MODELUX_UPSTREAM_CLIENT must be "sockets" or "fetch"');
useUpstreamClient(client);

const box = new SecretBox(BENCH_SECRET_KEY);
const natsUrl = process.env.BENCH_NATS_URL;
let bus: Bus;
let standIn: { stop(): Promise<void> } | null = null;
if (natsUrl) {
  bus = await connectNatsBus({ servers: natsUrl, name: "bench-dataplane" });
} else {
  bus = createInProcessBus();
  await bus.config.put(sealSnapshot(1, benchSnapshotBody(setup, simulatorUrl, box)));
  standIn = await startControlPlaneStandIn(bus);
}
const dataDir = mkdtempSync(join(tmpdir(), "modelux-bench-"));
const node = await startDataPlane({
  nodeId: "bench",
  hostname: "127.0.0.1",
  port: Number(process.env.BENCH_PORT ?? 0),
  secretBox: box,
  bus: Promise.resolve(bus),
  ...(setup.wal ? { traceDirectory: join(dataDir, "traces") } : {}),
  observability: {
    ...defaultObservability(),
    MODELUX_METRICS: process.env.MODELUX_METRICS === "off" ? "off" : "on",
  },
  log: (message) => console.error(`modelux: ${message}`),
});
while (node.context.loader.current === null) await Bun.sleep(5);
console.log(`READY ${node.url}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await node.stop();
    await standIn?.stop();
    await bus.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

// BENCH_LOOP_LAG=1: once a second, the worst event-loop delay seen (stderr), to tell stalls
// (GC, synchronous work) from queueing when a tail latency looks wrong.
if (process.env.BENCH_LOOP_LAG === "1") {
  let expected = performance.now() + 5;
  let worst = 0;
  setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - expected);
    expected = now + 5;
  }, 5);
  setInterval(() => {
    console.error(
      `loop-lag-ms ${worst.toFixed(1)} rss-mb ${Math.round(process.memoryUsage().rss / 1e6)}`,
    );
    worst = 0;
  }, 1000);
}

// BENCH_HEAP_STATS=1: every 30 s, the object types whose live count grew most since the last
// report (after a full GC), to tell a leak from a heap that is still finding its size.
if (process.env.BENCH_HEAP_STATS === "1") {
  const { heapStats } = await import("bun:jsc");
  let previous: Record<string, number> = {};
  setInterval(() => {
    Bun.gc(true);
    const stats = heapStats();
    const counts = stats.objectTypeCounts as Record<string, number>;
    const grown = Object.entries(counts)
      .map(([type, count]) => [type, count - (previous[type] ?? 0)] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([type, delta]) => `${type}+${delta}`)
      .join(" ");
    console.error(
      `heap-mb ${(stats.heapSize / 1e6).toFixed(1)} objects ${stats.objectCount} grown ${grown}`,
    );
    previous = counts;
  }, 30_000);
}
