// The overhead benchmark runs: quick mode as a child process starts the simulator and every
// target (simulator direct, bare Bun proxy, modelux three times: realistic on the in-process bus
// and on a nats-server of its own, everything off; Portkey), loads each with wrk and the
// open-loop generator, and prints the side-by-side table; modelux also streams through the
// Responses API (passthrough and translated) beside chat. No timing is asserted: on a shared CI
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
  expect(stdout).toMatch(/^\| plain throughput ≥ 3× Portkey \|/m);
  expect(stdout).toMatch(/^\| plain throughput ≥ 3× Portkey, on NATS JetStream \|/m);
  expect(stdout).toMatch(/^\| peak RSS at saturation \(64 connections\) \|/m);

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
  // The Responses steps: both paths streamed through modelux, the passthrough's floor direct.
  const responses = written.steps.filter(
    (step: { api?: string; round?: number }) => step.api !== undefined && step.round === undefined,
  );
  expect(
    responses.map((step: { target: string; api: string }) => `${step.target} ${step.api}`).sort(),
  ).toEqual(["direct responses", "modelux responses", "modelux responses-claude"]);
  for (const step of responses) {
    expect(step.requests).toBeGreaterThan(0);
    expect(step.ttft?.p50).toBeGreaterThan(0);
  }
  expect(stdout).toMatch(/^\| Responses → Claude \(translated\) \| open, 200 req\/s \|/m);
  expect(stdout).toMatch(/^\| Responses TTFT overhead p50 within 1 ms of chat's/m);
  // The paired comparison: chat and Responses in turn, on the floor and modelux only.
  const paired = written.steps.filter((step: { round?: number }) => step.round === 1);
  expect(
    paired
      .map((step: { target: string; api?: string }) => `${step.target} ${step.api ?? "chat"}`)
      .sort(),
  ).toEqual([
    "direct chat",
    "direct responses",
    "modelux chat",
    "modelux chat-claude",
    "modelux responses",
    "modelux responses-claude",
  ]);
  expect(stdout).toMatch(
    /^\| Responses TTFT overhead p99 within 1 ms of chat's, passthrough to OpenAI, paired rounds at 200 req\/s \| ≤ 1 ms \| [+-][\d.]+ ms, median of 1 rounds/m,
  );
  expect(stdout).toMatch(/^\| paired rounds, 200 req\/s \(ms\) \| round \|/m);
  const markdown = readFileSync(join(resultsDirectory, "overhead.md"), "utf8");
  expect(markdown).toContain("## Side by side");
  expect(markdown).toContain("## Responses API against chat (time to first token)");
}, 150_000);
