// A nats-server with JetStream of the benchmark's own (free port, fresh store), for the fleet
// target: the shared server on 4222 carries other processes' traces on the same subjects, and a
// bench's consumer must neither take theirs nor leave its own behind. BENCH_NATS_BIN overrides
// where the binary is.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type RunningProcess, spawnProcess } from "../processes.ts";

function natsServerBinary(): string {
  for (const candidate of [
    process.env.BENCH_NATS_BIN,
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
  ])
    if (candidate && existsSync(candidate)) return candidate;
  const found = Bun.which("nats-server");
  if (!found) throw new Error("nats-server not found: install it or set BENCH_NATS_BIN");
  return found;
}

export async function startBenchNats(
  cpus: string | null,
): Promise<{ process: RunningProcess; url: string }> {
  const port = freePort();
  const store = mkdtempSync(join(tmpdir(), "modelux-bench-nats-"));
  const running = spawnProcess({
    name: "nats-server",
    command: [natsServerBinary(), "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store],
    cpus,
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nats-server did not start:\n${running.output()}`);
      await Bun.sleep(50);
    }
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    process: {
      ...running,
      async stop() {
        await running.stop();
        rmSync(store, { recursive: true, force: true });
      },
    },
  };
}
