// How the warehouse benchmarks time a query: wall time with the process's CPU time beside it,
// and the median of repeated runs.

/** The middle value (the lower of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

/**
 * Wall time, and the process's CPU time (user + system, every thread: DuckDB's included), which
 * other work on the machine moves far less than the wall time.
 */
export async function timed<T>(
  run: () => Promise<T>,
): Promise<{ ms: number; cpuMs: number; value: T }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, value };
}
