// Starting and stopping the benchmark's processes: each in its own process, optionally pinned to
// a CPU with taskset, its output drained (a full pipe would stall it) and kept for error reports.
import type { Subprocess } from "bun";

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** The last few KB of its stdout and stderr, for error messages. */
  output(): string;
  readonly exited: Promise<number>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string[];
  env?: Record<string, string>;
  /** CPUs to pin to (taskset -c); null = wherever the scheduler likes. */
  cpus: string | null;
  /** Called with each stdout line, e.g. to catch `READY <url>`. */
  onLine?: (line: string) => void;
}

const KEEP_BYTES = 16_384;

export function spawnProcess(options: SpawnOptions): RunningProcess {
  const command =
    options.cpus === null ? options.command : ["taskset", "-c", options.cpus, ...options.command];
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(command, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let kept = "";
  const keep = (text: string) => {
    kept = (kept + text).slice(-KEEP_BYTES);
  };
  void drain(child.stdout, (text) => {
    keep(text);
    if (options.onLine) for (const line of text.split("\n")) if (line) options.onLine(line);
  });
  void drain(child.stderr, keep);
  return {
    name: options.name,
    pid: child.pid,
    output: () => kept,
    exited: child.exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const stopped = await Promise.race([
        child.exited.then(() => true),
        Bun.sleep(3000).then(() => false),
      ]);
      if (!stopped) {
        child.kill("SIGKILL");
        await child.exited;
      }
    },
  };
}

/** Line-buffered reading of a pipe until it closes. */
async function drain(stream: ReadableStream<Uint8Array>, onText: (text: string) => void) {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    const text = partial + decoder.decode(chunk, { stream: true });
    const cut = text.lastIndexOf("\n");
    if (cut === -1) {
      partial = text;
      continue;
    }
    partial = text.slice(cut + 1);
    onText(text.slice(0, cut + 1));
  }
  if (partial) onText(partial);
}

/** Spawns a process that prints `READY <url>` once it serves; resolves with that URL. */
export async function spawnServer(
  options: Omit<SpawnOptions, "onLine">,
  timeoutMs = 20_000,
): Promise<{ process: RunningProcess; url: string }> {
  let resolveUrl: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    resolveUrl = resolve;
  });
  const running = spawnProcess({
    ...options,
    onLine: (line) => {
      if (line.startsWith("READY ")) resolveUrl(line.slice("READY ".length).trim());
    },
  });
  const url = await Promise.race([
    ready,
    running.exited.then((code) => {
      throw new Error(`${options.name} exited (${code}) before it was ready:\n${running.output()}`);
    }),
    Bun.sleep(timeoutMs).then(() => {
      throw new Error(`${options.name} not ready after ${timeoutMs} ms:\n${running.output()}`);
    }),
  ]);
  return { process: running, url };
}

/** Polls a URL until it answers 2xx (for servers that print no READY line). */
export async function waitForHttp(url: string, running: RunningProcess, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void running.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${running.name} exited before it was ready:\n${running.output()}`);
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await Bun.sleep(100);
  }
  throw new Error(
    `${running.name} not ready at ${url} after ${timeoutMs} ms:\n${running.output()}`,
  );
}

/** A port free right now (bound and released; fine for a benchmark on one quiet box). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export const ROOT = new URL("../..", import.meta.url).pathname;
