// Child processes for multi-process tests: a port picker, a spawner that keeps output for
// failure messages, and a real nats-server of the test's own that it may stop and start.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  if (!port) throw new Error("no free port");
  return port;
}

export interface ChildProcess {
  readonly name: string;
  readonly process: Subprocess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** What tests let their gateways call: the simulator and test receivers on 127.0.0.1. */
export const TEST_EGRESS_ALLOW = "127.0.0.1/32";

export function spawnChild(
  name: string,
  command: string[],
  env: Record<string, string>,
): ChildProcess {
  let output = "";
  const child = Bun.spawn(command, {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      // Fleet processes enforce the egress policy; the simulator and receivers are on loopback.
      MODELUX_EGRESS_ALLOW: TEST_EGRESS_ALLOW,
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk);
  };
  void collect(child.stdout);
  void collect(child.stderr);
  return {
    name,
    process: child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await child.exited;
      clearTimeout(killer);
    },
  };
}

function natsServerBinary(): string {
  const candidates = [
    process.env.MODELUX_NATS_SERVER_BIN,
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  const found = Bun.which("nats-server");
  if (!found) throw new Error("nats-server not found: install it or set MODELUX_NATS_SERVER_BIN");
  return found;
}

export interface TestNatsServer {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Kills the server, deletes its JetStream store and starts it again: the bus lost everything. */
  wipe(): Promise<void>;
  /** Stops the server process (SIGSTOP): connections stay open and nothing answers. */
  freeze(): Promise<void>;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void;
}

/** A JetStream server on its own port and store, so a test can take it down and bring it back. */
export function testNatsServer(): TestNatsServer {
  const port = freePort();
  const storeDirectory = mkdtempSync(join(tmpdir(), "modelux-nats-"));
  let child: ChildProcess | null = null;
  return {
    url: `nats://127.0.0.1:${port}`,
    async start() {
      child = spawnChild(
        "nats-server",
        [natsServerBinary(), "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDirectory],
        {},
      );
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
          socket.end();
          return;
        } catch {
          if (Date.now() > deadline)
            throw new Error(`nats-server did not start: ${child.output()}`);
          await Bun.sleep(50);
        }
      }
    },
    async stop() {
      await child?.stop("SIGKILL");
      child = null;
    },
    async wipe() {
      await this.stop();
      rmSync(storeDirectory, { recursive: true, force: true });
      await this.start();
    },
    async freeze() {
      if (!child) return;
      child.process.kill("SIGSTOP");
      // The signal is only queued by kill: wait until the kernel reports the process stopped.
      const stat = `/proc/${child.process.pid}/stat`;
      const deadline = Date.now() + 5000;
      while (existsSync(stat) && !/\) T /.test(readFileSync(stat, "utf8"))) {
        if (Date.now() > deadline) throw new Error("nats-server did not stop on SIGSTOP");
        await Bun.sleep(10);
      }
    },
    thaw() {
      child?.process.kill("SIGCONT");
    },
  };
}

/**
 * Runs test/support/wal-writer-process.ts over `directory` (it writes `requestIds` ahead), then
 * kills it with SIGKILL: a node that crashed with those rows on its disk and its lock left behind.
 */
export async function killedWalWriter(
  directory: string,
  requestIds: string[],
  env: Record<string, string> = {},
): Promise<number> {
  const writer = await liveWalWriter(directory, requestIds, env);
  await writer.kill();
  return writer.pid;
}

/**
 * test/support/wal-writer-process.ts over `directory`, once its rows are on disk, left running
 * (its lock a live process's) until `kill()` (SIGKILL).
 */
export async function liveWalWriter(
  directory: string,
  requestIds: string[],
  /** Its environment beside ours (wal-writer-process.ts: answers written with the rows). */
  env: Record<string, string> = {},
): Promise<{ pid: number; kill(): Promise<void> }> {
  const child = Bun.spawn(
    ["bun", join(import.meta.dir, "wal-writer-process.ts"), directory, ...requestIds],
    { stdout: "pipe", stderr: "inherit", env: { ...process.env, ...env } },
  );
  const decoder = new TextDecoder();
  let output = "";
  for await (const chunk of child.stdout) {
    output += decoder.decode(chunk);
    if (output.includes("written")) break;
  }
  if (!output.includes("written")) throw new Error(`the writer exited: ${await child.exited}`);
  return {
    pid: child.pid,
    async kill() {
      child.kill("SIGKILL");
      await child.exited;
    },
  };
}

/** A pid no process has (one that ran and exited; the kernel does not hand it out again soon). */
export async function deadPid(): Promise<number> {
  const child = Bun.spawn(["true"]);
  await child.exited;
  return child.pid;
}
