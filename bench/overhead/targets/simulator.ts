// The provider simulator in its own process on a free port, for the overhead benchmark. It starts
// in instant mode; the harness switches timing with PUT /_sim/profiles (see ../modes.ts).
import { startSimulator } from "../../../simulator/server.ts";

const simulator = startSimulator({ port: Number(process.env.BENCH_PORT ?? 0) });
console.log(`READY ${simulator.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await simulator.stop();
    process.exit(0);
  });
}
