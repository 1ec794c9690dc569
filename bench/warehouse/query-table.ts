// The warehouse query benchmark's rows and the table it prints (query.bench.ts).

import { textTable } from "../text-table.ts";

export interface Row {
  measurement: string;
  via: string;
  scope: string;
  cold_ms: number;
  warm_ms: number;
  /** CPU time of the warm runs (median), every thread of the process. */
  warm_cpu_ms: number;
  target_ms: number;
}

export function renderTable(
  rows: Row[],
  run: { coldSeries: number; warmRuns: number; fast: boolean },
): string {
  const header = ["measurement", "via", "scope", "cold ms", "warm ms", "warm CPU ms", "target ms"];
  const lines = rows.map((row) => [
    row.measurement,
    row.via,
    row.scope,
    row.cold_ms.toFixed(1),
    row.warm_ms.toFixed(1),
    row.warm_cpu_ms.toFixed(1),
    String(row.target_ms),
  ]);
  return [
    ...textTable(header, lines, (column) => column < 3),
    "",
    `cold: the first query on a fresh DuckDB instance (the median over ${run.coldSeries} fresh instances`,
    `and request ids; one for the naive scan); warm: the median of the ${run.warmRuns} runs that follow`,
    "on the same instance. The files are in the OS page cache either way. warm CPU ms: the",
    "CPU time of those runs (median; user + system, every thread of the process, DuckDB's too),",
    "which other work on the machine moves far less than the wall time.",
    ...(run.fast
      ? ["BENCH_WAREHOUSE_FAST=1: the inline full scan and the naive lookup were not run."]
      : []),
  ].join("\n");
}
