// The benchmark's dataset, shared by query.bench.ts and logs.bench.ts: 10M rows over 30 days (or
// 200k over one day in quick mode) under bench/.data/warehouse, generated once and reused while
// its `.dataset.json` marker matches (rows, days, seed, start, generator version).
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateTraces } from "./generate.ts";

/** Bumped when generate.ts writes different rows, so an old dataset is not reused. */
export const GENERATOR_VERSION = 4;
export const START = "2026-10-01";

export const datasetOf = (quick: boolean) =>
  quick
    ? { rows: 200_000, days: 1, seed: 1, projects: 20, orgs: 5 }
    : { rows: 10_000_000, days: 30, seed: 1, projects: 20, orgs: 5 };
export type Dataset = ReturnType<typeof datasetOf>;

/** BENCH_WAREHOUSE_ROOT, or bench/.data/warehouse (`-quick` in quick mode). */
export const datasetRoot = (quick: boolean) =>
  resolve(process.env.BENCH_WAREHOUSE_ROOT ?? `bench/.data/warehouse${quick ? "-quick" : ""}`);

/** The dataset, generated unless the marker says this one is already there. */
export async function ensureDataset(
  root: string,
  dataset: Dataset,
): Promise<{ generated_seconds: number | null; reused: boolean }> {
  const marker = join(root, ".dataset.json");
  const wanted = JSON.stringify({ ...dataset, start: START, generator: GENERATOR_VERSION });
  if (existsSync(marker) && readFileSync(marker, "utf8").startsWith(wanted.slice(0, -1))) {
    const recorded = JSON.parse(readFileSync(marker, "utf8")) as { seconds: number };
    return { generated_seconds: recorded.seconds, reused: true };
  }
  rmSync(root, { recursive: true, force: true });
  console.log(`generating ${dataset.rows} rows into ${root} …`);
  const result = await generateTraces({ root, start: START, ...dataset });
  writeFileSync(marker, `${wanted.slice(0, -1)},"seconds":${result.seconds}}`);
  return { generated_seconds: result.seconds, reused: false };
}
