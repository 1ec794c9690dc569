// The routing decision benchmark runs: quick mode, as a child process, prints a row per strategy
// and writes its results. No timing is asserted; the numbers belong to the machine.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STRATEGIES } from "#shared/routing/config-schema.ts";
import { runQuickBench } from "../support/quick-bench.ts";

const resultsDirectory = mkdtempSync(join(tmpdir(), "modelux-bench-routing-"));
afterAll(() => rmSync(resultsDirectory, { recursive: true, force: true }));

test("bench:routing --quick prints ns per decision for each of the eight strategies", async () => {
  const { stdout, stderr, exitCode } = await runQuickBench("bench/routing/decide.bench.ts", {
    BENCH_RESULTS_DIR: resultsDirectory,
  });
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });

  for (const strategy of STRATEGIES) {
    // A table row: the strategy, then its avg, p75 and p99 in ns.
    expect(stdout).toMatch(new RegExp(`^${strategy}\\s+\\d+\\s+\\d+\\s+\\d+\\s`, "m"));
  }
  expect(stdout).toMatch(/^direct provider\/model\s+\d+/m);
  expect(stdout).toMatch(/^bare model name\s+\d+/m);

  const written = JSON.parse(
    readFileSync(join(resultsDirectory, "routing-decisions.json"), "utf8"),
  );
  expect(written.quick).toBe(true);
  expect(written.machine.bun).toBe(Bun.version);
  expect(written.rows.map((row: { strategy: string }) => row.strategy)).toEqual(
    expect.arrayContaining([...STRATEGIES]),
  );
}, 20_000);
