// Runs one measured step against a started target: the load generator in its own process
// (wrk for closed loop, ./load/open-loop.ts for open loop), pinned with the simulator, while
// every process's CPU and memory are sampled.
import { join } from "node:path";
import type { LatencySummary } from "./load/latency.ts";
import type { LoadRequest } from "./load/load-request.ts";
import type { OpenLoopResult, OpenLoopSpec } from "./load/open-loop-run.ts";
import { parseWrkOutput, wrkCommand, wrkEnvironment } from "./load/wrk.ts";
import { MODE_EXPECTED_SECONDS } from "./modes.ts";
import type { Step } from "./plan.ts";
import { type ProcessUsage, UsageWindow } from "./proc-stats.ts";
import { ROOT, type RunningProcess, spawnProcess } from "./processes.ts";

export interface StepResult {
  target: string;
  mode: Step["mode"];
  stream: boolean;
  load: Step["load"];
  seconds: number;
  /** Absent: chat (plan.ts `Api`). */
  api?: Step["api"];
  /** The paired comparison's round (plan.ts `Step.round`); absent for every other step. */
  round?: number;
  requests: number;
  throughput: number;
  errors: Record<string, number>;
  error_count: number;
  latency: LatencySummary | null;
  /** Open loop only. */
  ttft?: LatencySummary | null;
  self_reported_overhead?: LatencySummary | null;
  dispatch_lag?: LatencySummary | null;
  socket_wait?: LatencySummary | null;
  /** `target` (absent for direct), `simulator`, `load`. */
  processes: Record<string, ProcessUsage>;
}

export interface StepContext {
  target: string;
  targetProcess: RunningProcess | null;
  /** Sampled beside the target under their own names (`nats-server`, `control-plane`). */
  companions?: RunningProcess[];
  simulator: RunningProcess;
  loadCpus: string | null;
  openWarmupSeconds: number;
}

export async function runStep(
  step: Step,
  request: LoadRequest,
  context: StepContext,
): Promise<StepResult> {
  const pids: Record<string, number> = { simulator: context.simulator.pid };
  if (context.targetProcess) pids.target = context.targetProcess.pid;
  for (const companion of context.companions ?? []) pids[companion.name] = companion.pid;
  const usage = new UsageWindow(pids);
  let resultLine = "";
  const capture = (line: string) => {
    if (line.startsWith("WRK_RESULT ") || line.startsWith("RESULT ")) resultLine = line;
  };
  const generator =
    step.load.kind === "closed"
      ? spawnProcess({
          name: "wrk",
          command: wrkCommand(request, step.load.connections, step.seconds),
          env: wrkEnvironment(request),
          cpus: context.loadCpus,
          onLine: capture,
        })
      : spawnProcess({
          name: "open-loop",
          command: [process.execPath, join(ROOT, "bench/overhead/load/open-loop.ts")],
          env: {
            BENCH_LOAD_SPEC: JSON.stringify(openLoopSpec(step, request, context.openWarmupSeconds)),
          },
          cpus: context.loadCpus,
          onLine: capture,
        });
  usage.add("load", generator.pid);
  const exitCode = await generator.exited;
  // Let the pipe reader deliver the last line.
  await Bun.sleep(20);
  const processes = usage.stop();
  if (exitCode !== 0 || resultLine === "")
    throw new Error(`${generator.name} failed (exit ${exitCode}):\n${generator.output()}`);
  const base = {
    target: context.target,
    mode: step.mode,
    stream: step.stream,
    load: step.load,
    ...(step.api ? { api: step.api } : {}),
    ...(step.round === undefined ? {} : { round: step.round }),
    processes,
  };
  if (step.load.kind === "closed") {
    const result = parseWrkOutput(resultLine);
    return {
      ...base,
      seconds: result.seconds,
      requests: result.requests,
      throughput: result.throughput,
      errors: result.errors,
      error_count: sum(result.errors),
      latency: result.latency,
    };
  }
  const result = JSON.parse(resultLine.slice("RESULT ".length)) as OpenLoopResult;
  return {
    ...base,
    seconds: result.seconds,
    requests: result.completed,
    throughput: result.throughput,
    errors: result.errors,
    error_count:
      sum(result.errors) + Math.max(0, result.sent - result.completed - sum(result.errors)),
    latency: result.latency,
    ttft: result.ttft,
    self_reported_overhead: result.self_reported_overhead,
    dispatch_lag: result.dispatch_lag,
    socket_wait: result.socket_wait,
  };
}

export function openLoopSpec(
  step: Step,
  request: LoadRequest | LoadRequest[],
  warmupSeconds: number,
): OpenLoopSpec {
  if (step.load.kind !== "open") throw new Error("not an open-loop step");
  const inFlight = Math.ceil(step.load.rate * MODE_EXPECTED_SECONDS[step.mode] * 1.5) + 8;
  return {
    requests: Array.isArray(request) ? request : [request],
    rate: step.load.rate,
    seconds: step.seconds,
    warmupSeconds,
    initialConnections: inFlight,
    maxConnections: Math.max(4 * inFlight, 256),
    timeoutMs: 30_000,
  };
}

/** A closed-loop run whose numbers are thrown away: JIT warm-up and connection pools. */
export async function warmUp(
  request: LoadRequest,
  seconds: number,
  loadCpus: string | null,
): Promise<void> {
  const wrk = spawnProcess({
    name: "wrk warm-up",
    command: wrkCommand(request, 64, Math.max(1, Math.round(seconds))),
    env: wrkEnvironment(request),
    cpus: loadCpus,
  });
  await wrk.exited;
}

const sum = (values: Record<string, number>) =>
  Object.values(values).reduce((total, value) => total + value, 0);
