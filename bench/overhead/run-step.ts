// Runs one measured step against a started target: the load generator in its own process
// (wrk for closed loop, ./load/open-loop.ts for open loop), pinned with the simulator, while
// every process's CPU and memory are sampled. A step that interleaves two APIs (plan.ts
// `Step.interleave`) gives a result per API, from the generator's figures per request.
import { join } from "node:path";
import type { LatencySummary } from "./load/latency.ts";
import type { LoadRequest } from "./load/load-request.ts";
import type { OpenLoopResult, OpenLoopSpec, RequestFigures } from "./load/open-loop-run.ts";
import { parseWrkOutput, wrkCommand, wrkEnvironment } from "./load/wrk.ts";
import { MODE_EXPECTED_SECONDS } from "./modes.ts";
import { type Api, apiOf, type Step } from "./plan.ts";
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
  /**
   * The API sent in turn with this one in the same step (plan.ts `Step.interleave`): the step's
   * load and processes are both APIs' together; requests, errors and latencies this API's own.
   */
  interleaved_with?: Api;
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
  /** Open loop, when any: of the disconnects, those that cut an answer already arriving. */
  disconnected_mid_answer?: number;
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

/**
 * `requests`: the step's API's request, then (an interleaved step) the other API's. One result,
 * or one per API of an interleaved step, in that order.
 */
export async function runStep(
  step: Step,
  requests: LoadRequest[],
  context: StepContext,
): Promise<StepResult[]> {
  const [request] = requests;
  if (request === undefined || requests.length !== (step.interleave ? 2 : 1))
    throw new Error("a step sends one request, or two when it interleaves APIs");
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
            BENCH_LOAD_SPEC: JSON.stringify(
              openLoopSpec(step, requests, context.openWarmupSeconds),
            ),
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
    return [
      {
        ...base,
        seconds: result.seconds,
        requests: result.requests,
        throughput: result.throughput,
        errors: result.errors,
        error_count: sum(result.errors),
        latency: result.latency,
      },
    ];
  }
  const result = JSON.parse(resultLine.slice("RESULT ".length)) as OpenLoopResult;
  const cut = result.disconnected_mid_answer
    ? { disconnected_mid_answer: result.disconnected_mid_answer }
    : {};
  if (step.interleave) return splitInterleaved(step, step.interleave, { ...base, ...cut }, result);
  return [
    {
      ...base,
      ...cut,
      seconds: result.seconds,
      requests: result.completed,
      throughput: result.throughput,
      errors: result.errors,
      error_count: errorCount(result.errors, result.sent, result.completed),
      latency: result.latency,
      ttft: result.ttft,
      self_reported_overhead: result.self_reported_overhead,
      dispatch_lag: result.dispatch_lag,
      socket_wait: result.socket_wait,
    },
  ];
}

/**
 * An interleaved step's result per API: each one's own requests, errors and latencies; what the
 * step shares (processes, the generator's own lag, the disconnects that cut an answer) on both. A connection that could not be opened
 * belongs to no request: those failures are counted on the first API's result.
 */
export function splitInterleaved(
  step: Step,
  other: Api,
  base: Omit<
    StepResult,
    "seconds" | "requests" | "throughput" | "errors" | "error_count" | "latency"
  >,
  result: OpenLoopResult,
): StepResult[] {
  const figures = result.per_request;
  if (figures?.length !== 2)
    throw new Error("an interleaved step's result has no per-request figures");
  const apis = [apiOf(step), other] as const;
  const { api: _stepApi, ...shared } = base;
  return figures.map((own: RequestFigures, index): StepResult => {
    const api = apis[index] as Api;
    const errors = { ...own.errors, connect: index === 0 ? result.errors.connect : 0 };
    return {
      ...shared,
      ...(api === "chat" ? {} : { api }),
      interleaved_with: apis[1 - index] as Api,
      seconds: result.seconds,
      requests: own.completed,
      throughput: own.completed / result.seconds,
      errors,
      error_count: errorCount(errors, own.sent, own.completed, own.errors),
      latency: own.latency,
      ttft: own.ttft,
      dispatch_lag: result.dispatch_lag,
      socket_wait: result.socket_wait,
    };
  });
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

/**
 * The errors counted, plus the requests sent and neither answered nor counted as failed (still
 * in flight when the generator stopped). `failed`: the errors that belong to sent requests, when
 * not all of `errors` do (an interleaved API's share leaves the run's connect failures out).
 */
const errorCount = (
  errors: Record<string, number>,
  sent: number,
  completed: number,
  failed: Record<string, number> = errors,
) => sum(errors) + Math.max(0, sent - completed - sum(failed));

const sum = (values: Record<string, number>) =>
  Object.values(values).reduce((total, value) => total + value, 0);
