// The experiments benchmark runs: quick mode, as a child process, prints the end-to-end time of
// a routing_only experiment and writes its results. No timing is asserted; the numbers belong
// to the machine.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runQuickBench } from "../support/quick-bench.ts";

const resultsDirectory = mkdtempSync(join(tmpdir(), "modelux-bench-experiments-"));
afterAll(() => rmSync(resultsDirectory, { recursive: true, force: true }));

test("bench:experiments --quick replays 5,000 requests and reports the time", async () => {
  const { stdout, stderr, exitCode } = await runQuickBench(
    "bench/experiments/routing-only.bench.ts",
    { BENCH_RESULTS_DIR: resultsDirectory },
  );
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
  expect(stdout).toMatch(/routing_only experiment over 5000 requests: \d+\.\d+ s end to end/);
  const written = JSON.parse(readFileSync(join(resultsDirectory, "experiments.json"), "utf8"));
  expect(written).toMatchObject({ quick: true, requests: 5000 });
  expect(written.seconds).toBeGreaterThan(0);
  expect(written.comparison.cost_delta_pct).toBeLessThan(0);
  expect(readFileSync(join(resultsDirectory, "experiments.md"), "utf8")).toContain("end to end");
}, 60_000);
