// The fleet target's control plane, in a process of its own as in production: connected to the
// benchmark's nats-server, it publishes the config snapshot, sums the data plane's spend deltas
// into budget state and consumes (acks) the trace batches off JetStream
// (control-plane-stand-in.ts). BENCH_NATS_URL and BENCH_UPSTREAM_URL are required.
import { connectNatsBus } from "#shared/bus/nats.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { startControlPlaneStandIn } from "./control-plane-stand-in.ts";
import { BENCH_SECRET_KEY, benchSnapshotBody, parseSetup } from "./modelux-snapshot.ts";

const servers = process.env.BENCH_NATS_URL;
const simulatorUrl = process.env.BENCH_UPSTREAM_URL;
if (!servers || !simulatorUrl)
  throw new Error("BENCH_NATS_URL and BENCH_UPSTREAM_URL are required");
const setup = parseSetup(process.env.BENCH_MODELUX_SETUP);

const bus = await connectNatsBus({ servers, name: "bench-control-plane" });
const box = new SecretBox(BENCH_SECRET_KEY);
await bus.config.put(sealSnapshot(1, benchSnapshotBody(setup, simulatorUrl, box)));
const standIn = await startControlPlaneStandIn(bus);
console.log("READY control-plane");
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await standIn.stop();
    await bus.close();
    process.exit(0);
  });
}
