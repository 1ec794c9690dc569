// The soak's verdict and Markdown: is the data plane's memory flat once warmed up (a least-squares
// slope and the change from start to end), and how many requests failed.
import type { LatencySummary } from "./load/latency.ts";
import type { Machine } from "./machine.ts";
import { table } from "./report-markdown.ts";

export interface SoakSample {
  at_s: number;
  rss_mb: number;
  cpu_pct: number;
  completed: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface MemoryVerdict {
  /**
   * Samples before this are warm-up, not judged: JIT, pools, and the in-process bus's 120 s
   * duplicate window (JetStream's, kept in the node's heap when the bus is in-process), which
   * fills with one request id per row for two minutes before it levels off.
   */
  warmup_s: number;
  /**
   * RSS at the first and last judged sample on the least-squares line through the judged
   * samples: RSS moves in a sawtooth of ±10 % with each collection, so single samples (or the
   * median of a few) at the ends say more about where a GC cycle was than about a trend.
   */
  start_mb: number;
  end_mb: number;
  growth_pct: number;
  slope_mb_per_min: number;
  /** Growth ≤ 10 % and slope ≤ 1 MB/min. */
  flat: boolean;
  /** The slope from 60 s on, the duplicate window's filling included: shown, not judged. */
  slope_from_60s_mb_per_min: number;
}

export interface SoakReport {
  measured_at: string;
  command: string;
  machine: Machine;
  load_average_end: number;
  rate: number;
  mode: string;
  seconds: number;
  sent: number;
  answered: number;
  errors: number;
  error_breakdown: Record<string, number>;
  latency: LatencySummary | null;
  ttft: LatencySummary | null;
  self_reported_overhead: LatencySummary | null;
  lifetime_peak_rss_mb: number;
  memory: MemoryVerdict;
  samples: SoakSample[];
}

const round1 = (value: number) => Math.round(value * 10) / 10;

export function analyzeMemory(samples: SoakSample[]): MemoryVerdict {
  const last = samples[samples.length - 1]?.at_s ?? 0;
  const warmupSeconds = Math.min(180, Math.round(last * 0.3));
  const steady = samples.filter((sample) => sample.at_s > warmupSeconds);
  const points = steady.map((sample): [number, number] => [sample.at_s / 60, sample.rss_mb]);
  const slope = leastSquaresSlope(points);
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / Math.max(1, points.length);
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / Math.max(1, points.length);
  const at = (minutes: number) => meanY + slope * (minutes - meanX);
  const start = at(points[0]?.[0] ?? 0);
  const end = at(points[points.length - 1]?.[0] ?? 0);
  const growth = start > 0 ? (100 * (end - start)) / start : 0;
  return {
    warmup_s: warmupSeconds,
    start_mb: round1(start),
    end_mb: round1(end),
    growth_pct: round1(growth),
    slope_mb_per_min: Math.round(slope * 100) / 100,
    flat: growth <= 10 && slope <= 1,
    slope_from_60s_mb_per_min:
      Math.round(
        leastSquaresSlope(
          samples
            .filter((sample) => sample.at_s > 60)
            .map((sample) => [sample.at_s / 60, sample.rss_mb]),
        ) * 100,
      ) / 100,
  };
}

function leastSquaresSlope(points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  let numerator = 0;
  let denominator = 0;
  for (const [x, y] of points) {
    numerator += (x - meanX) * (y - meanY);
    denominator += (x - meanX) ** 2;
  }
  return denominator === 0 ? 0 : numerator / denominator;
}

export function renderSoakMarkdown(report: SoakReport): string {
  const { machine, memory } = report;
  const pinning = machine.pinning
    ? `data plane pinned to CPU ${machine.pinning.target}, simulator and load generator to CPU ${machine.pinning.simulator_and_load}`
    : "unpinned";
  const summary = (name: string, value: LatencySummary | null) =>
    value
      ? [
          name,
          value.p50.toFixed(3),
          value.p90.toFixed(3),
          value.p99.toFixed(3),
          value.max.toFixed(3),
        ]
      : [name, "—", "—", "—", "—"];
  return `# Soak: modelux data plane, ${report.rate} req/s for ${Math.round(report.seconds / 60)} min

Measured ${report.measured_at} with \`${report.command}\` on ${machine.cpu} (${machine.cores} cores),
${machine.platform} ${machine.kernel}, bun ${machine.bun}, commit ${machine.commit}; ${pinning};
1-minute load average ${machine.load_average_start} at the start, ${report.load_average_end} at the end.
The realistic setup (key auth, \`fallback\` config, a budget, traces to the write-ahead log),
open loop, requests alternating plain and streamed, simulator in ${report.mode} mode. Method:
\`docs/performance.md\`.

## Verdict

${table(
  ["check", "result"],
  [
    ["errors (must be 0)", `${report.errors} of ${report.sent} sent (${report.answered} answered)`],
    [
      "memory flat (growth ≤ 10 %, slope ≤ 1 MB/min after warm-up)",
      `${memory.flat ? "flat" : "**not flat**"}: ${memory.start_mb} → ${memory.end_mb} MB (${memory.growth_pct} %), slope ${memory.slope_mb_per_min} MB/min, warm-up ${memory.warmup_s} s excluded (from 60 s on: ${memory.slope_from_60s_mb_per_min} MB/min)`,
    ],
    ["lifetime peak RSS (VmHWM)", `${report.lifetime_peak_rss_mb} MB`],
  ],
)}

## Latency over the whole run (ms)

${table(
  ["measure", "p50", "p90", "p99", "max"],
  [
    summary("end to end", report.latency),
    summary("time to first byte", report.ttft),
    summary("X-Modelux-Overhead-Ms", report.self_reported_overhead),
  ],
)}

## Over time

${table(
  ["at s", "RSS MB", "CPU %", "answered", "errors", "p50 ms", "p99 ms"],
  report.samples.map((sample) => [
    String(sample.at_s),
    sample.rss_mb.toFixed(1),
    sample.cpu_pct.toFixed(0),
    String(sample.completed),
    String(sample.errors),
    sample.p50_ms?.toFixed(3) ?? "—",
    sample.p99_ms?.toFixed(3) ?? "—",
  ]),
)}
`;
}
