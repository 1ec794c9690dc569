// The overhead benchmark runs: quick mode as a child process starts the simulator and every
// target (simulator direct, bare Bun proxy, modelux twice, Portkey), loads each with wrk and the
// open-loop generator, and prints the side-by-side table. No timing is asserted: on a shared CI
// box the numbers mean nothing; that the harness works is the point. Needs wrk (.ci/run installs it).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TARGET_LABELS, TARGET_NAMES } from "../../bench/overhead/targets.ts";

const resultsDirectory = mkdtempSync(join(tmpdir(), "modelux-bench-overhead-"));
afterAll(() => rmSync(resultsDirectory, { recursive: true, force: true }));

test("bench:quick measures every target and prints the side-by-side table", async () => {
  expect(Bun.which("wrk"), "wrk is needed: apt-get install -y wrk").not.toBeNull();
  const child = Bun.spawn(["bun", "bench/overhead/main.ts", "--quick"], {
    cwd: join(import.meta.dir, "../.."),
    env: { ...process.env, BENCH_RESULTS_DIR: resultsDirectory },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });

  // A headline row per target: its label, then a req/s figure.
  for (const name of TARGET_NAMES) {
    const label = TARGET_LABELS[name].replace(/[()]/g, "\\$&");
    expect(stdout).toMatch(new RegExp(`^\\| ${label} \\| [\\d,]+ \\(c\\d+\\) \\|`, "m"));
  }
  expect(stdout).toMatch(/^\| throughput ≥ 3× Portkey \(plain\) \|/m);

  const written = JSON.parse(readFileSync(join(resultsDirectory, "overhead.json"), "utf8"));
  expect(written.quick).toBe(true);
  expect(written.machine.bun).toBe(Bun.version);
  for (const name of TARGET_NAMES) {
    const steps = written.steps.filter((step: { target: string }) => step.target === name);
    expect(steps.length).toBeGreaterThan(0);
    // Every request answered: the targets really served the load.
    for (const step of steps)
      expect({ name, errors: step.error_count }).toEqual({ name, errors: 0 });
  }
  expect(readFileSync(join(resultsDirectory, "overhead.md"), "utf8")).toContain("## Side by side");
}, 90_000);
