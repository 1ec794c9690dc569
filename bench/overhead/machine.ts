// What the numbers were measured on: hardware, kernel, versions, commit, pinning, and the load
// average (other work on the box moves every figure here; it says how much there was).
import { readFileSync } from "node:fs";
import { cpus, loadavg, platform, release } from "node:os";
import { join } from "node:path";
import { ROOT } from "./processes.ts";

export interface Machine {
  cpu: string;
  cores: number;
  platform: string;
  kernel: string;
  bun: string;
  wrk: string;
  portkey_gateway: string;
  hdr_histogram_js: string;
  commit: string;
  /** Which CPUs each process was pinned to, or null when unpinned. */
  pinning: { target: string; simulator_and_load: string } | null;
  load_average_start: number;
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"))
      .version;
  } catch {
    return "absent";
  }
}

function commandOutput(command: string[]): string {
  const result = Bun.spawnSync(command, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return `${result.stdout.toString()}${result.stderr.toString()}`.trim();
}

export function gitCommit(): string {
  const commit = commandOutput(["git", "rev-parse", "--short", "HEAD"]);
  const dirty = commandOutput(["git", "status", "--porcelain"]) !== "";
  return `${commit}${dirty ? "-dirty" : ""}`;
}

export function describeMachine(pinning: Machine["pinning"]): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    platform: `${platform()}-${process.arch}`,
    kernel: release(),
    bun: Bun.version,
    wrk:
      commandOutput(["wrk", "-v"])
        .split("\n")[0]
        ?.replace(/ Copyright.*$/, "") ?? "absent",
    portkey_gateway: packageVersion("@portkey-ai/gateway"),
    hdr_histogram_js: packageVersion("hdr-histogram-js"),
    commit: gitCommit(),
    pinning,
    load_average_start: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Target on the last CPU, simulator and load generator on the others; null on one core. */
export function choosePinning(enabled: boolean): Machine["pinning"] {
  const count = cpus().length;
  if (!enabled || count < 2) return null;
  const hasTaskset =
    Bun.spawnSync(["taskset", "-V"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
  if (!hasTaskset) return null;
  return { target: String(count - 1), simulator_and_load: count === 2 ? "0" : `0-${count - 2}` };
}
