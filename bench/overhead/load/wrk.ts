// Closed-loop load with wrk (C, epoll; Debian's wrk 4.1): N connections, each sending its next
// request as soon as the previous answer is complete. Cheap enough per request that the target,
// not the generator, runs out of CPU first on a two-core box.
import { join } from "node:path";
import { type LatencySummary, newHistogram, summarize } from "./latency.ts";
import type { LoadRequest } from "./load-request.ts";

export interface ClosedLoopResult {
  requests: number;
  seconds: number;
  throughput: number;
  errors: Record<string, number>;
  latency: LatencySummary | null;
}

interface WrkReport {
  duration_us: number;
  requests: number;
  bytes: number;
  errors: Record<string, number>;
  latency_us: Array<[number, number]>;
}

const SCRIPT = join(import.meta.dir, "wrk-report.lua");

export function wrkCommand(request: LoadRequest, connections: number, seconds: number): string[] {
  return [
    "wrk",
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--timeout",
    "30s",
    "-s",
    SCRIPT,
    request.url,
  ];
}

export function wrkEnvironment(request: LoadRequest): Record<string, string> {
  return {
    BENCH_METHOD: "POST",
    BENCH_BODY: request.body,
    // The same headers our own generator sends (load-request.ts): JSON body, explicit type.
    BENCH_HEADERS: Object.entries({ "Content-Type": "application/json", ...request.headers })
      .map(([name, value]) => `${name}: ${value}`)
      .join("\n"),
  };
}

export function parseWrkOutput(stdout: string): ClosedLoopResult {
  const line = stdout.split("\n").find((candidate) => candidate.startsWith("WRK_RESULT "));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const report = JSON.parse(line.slice("WRK_RESULT ".length)) as WrkReport;
  const histogram = newHistogram();
  for (const [microseconds, count] of report.latency_us)
    histogram.recordValueWithCount(Math.max(1, microseconds), count);
  const seconds = report.duration_us / 1e6;
  return {
    requests: report.requests,
    seconds,
    throughput: report.requests / seconds,
    errors: report.errors,
    latency: summarize(histogram),
  };
}
