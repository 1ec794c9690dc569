// The overhead benchmark's paired comparison of the Responses API with chat (issue 16): the
// difference taken round by round against each round's own floor, the median judged, and a
// Responses far ahead of chat called a disturbed run rather than a pass. Synthetic step results:
// the arithmetic and verdicts, not the machine.
import { describe, expect, test } from "bun:test";
import type { Api } from "../../bench/overhead/plan.ts";
import { checkBudgets, derive } from "../../bench/overhead/results.ts";
import type { StepResult } from "../../bench/overhead/run-step.ts";

const summary = (p50: number, p99: number) => ({
  count: 3000,
  mean: p50,
  p50,
  p90: (p50 + p99) / 2,
  p99,
  p999: p99,
  max: p99,
});

/** One realistic streamed step at 300 req/s: TTFT p50 / p99 in ms. */
function step(target: string, api: Api, round: number, ttft: [number, number]): StepResult {
  return {
    target,
    mode: "realistic",
    stream: true,
    load: { kind: "open", rate: 300 },
    seconds: 10,
    ...(api === "chat" ? {} : { api }),
    round,
    requests: 3000,
    throughput: 300,
    errors: {},
    error_count: 0,
    latency: summary(240, 250),
    ttft: summary(...ttft),
    self_reported_overhead: null,
    dispatch_lag: null,
    socket_wait: null,
    processes: {},
  } as unknown as StepResult;
}

/**
 * Three rounds: the floor at 50 / 55 ms for both APIs; modelux's chat at +0.5 / +2 over it,
 * its Responses at chat's plus the round's extra; the translated pair at 51 / 60 and that plus
 * the same extra.
 */
function run(extras: Array<[number, number]>): StepResult[] {
  return extras.flatMap(([p50, p99], index) => {
    const round = index + 1;
    return [
      step("direct", "chat", round, [50, 55]),
      step("direct", "responses", round, [50, 55]),
      step("modelux", "chat", round, [50.5, 57]),
      step("modelux", "responses", round, [50.5 + p50, 57 + p99]),
      step("modelux", "chat-claude", round, [51, 60]),
      step("modelux", "responses-claude", round, [51 + p50, 60 + p99]),
    ];
  });
}

const paired = (steps: StepResult[]) =>
  checkBudgets(derive(steps)).filter((check) => check.target.includes("paired rounds"));

describe("the paired Responses-against-chat checks", () => {
  test("judge the median of the rounds' differences, not one round", () => {
    // p50: 0.2, 3.0, 0.4 → median 0.4 (one bad round does not decide); p99: 2, 1.5, 0.1 → 1.5.
    const checks = paired(
      run([
        [0.2, 2],
        [3, 1.5],
        [0.4, 0.1],
      ]),
    );
    expect(checks.map((check) => [check.target, check.verdict])).toEqual([
      [
        "Responses TTFT overhead p50 within 1 ms of chat's, passthrough to OpenAI, paired rounds at 300 req/s",
        "met",
      ],
      [
        "Responses TTFT overhead p99 within 1 ms of chat's, passthrough to OpenAI, paired rounds at 300 req/s",
        "missed",
      ],
      [
        "Responses TTFT p50 within 1 ms of chat's, both translated to Claude, paired rounds at 300 req/s",
        "met",
      ],
      [
        "Responses TTFT p99 within 1 ms of chat's, both translated to Claude, paired rounds at 300 req/s",
        "missed",
      ],
    ]);
    expect(checks[0]?.measured).toBe("+0.4 ms, median of 3 rounds (+0.2 / +3 / +0.4)");
    expect(checks[1]?.measured).toBe("+1.5 ms, median of 3 rounds (+2 / +1.5 / +0.1)");
  });

  test("call a Responses more than 1 ms ahead of chat a disturbed run, not a pass", () => {
    const checks = paired(
      run([
        [-2, 0.5],
        [-1.5, 0.5],
        [0.2, 0.5],
      ]),
    );
    expect(checks[0]?.verdict).toBe("disturbed");
    expect(checks[1]?.verdict).toBe("met");
  });

  test("take the difference when the gateway came out below its floor on both APIs", () => {
    // Round 2 through modelux 3 ms below the floor at p99 on both APIs (the floor's step was
    // measured apart, minutes earlier): interleaved, that falls on both and cancels.
    const steps = run([
      [0.1, 0.1],
      [0.1, 0.3],
      [0.1, 0.2],
    ]).map((result) =>
      result.target === "modelux" &&
      result.round === 2 &&
      (result.api === undefined || result.api === "responses")
        ? { ...result, ttft: summary(50.5, result.api === undefined ? 52 : 52.3) }
        : result,
    );
    const checks = paired(steps);
    expect(checks[1]?.measured).toBe("+0.2 ms, median of 3 rounds (+0.1 / +0.3 / +0.2)");
    expect(checks[1]?.verdict).toBe("met");
  });

  test("call the realistic rate's comparison saturated when the bare proxy itself misses there", () => {
    // The 1k req/s steps (no round): floor, bare proxy and modelux, chat and Responses.
    const at1k = (bareP99: number) =>
      [
        step("direct", "chat", 0, [50, 55]),
        step("direct", "responses", 0, [50, 55]),
        step("bare-proxy", "chat", 0, [51, 55 + bareP99]),
        step("modelux", "chat", 0, [54, 70]),
        step("modelux", "responses", 0, [54.5, 90]),
      ].map(({ round: _round, ...rest }) => ({
        ...rest,
        load: { kind: "open", rate: 1000 },
      })) as StepResult[];
    const rows = (bareP99: number) =>
      checkBudgets(derive(at1k(bareP99))).filter((check) =>
        check.target.startsWith("Responses TTFT overhead"),
      );
    // The bare proxy 60 ms over the floor at p99: the machine sets these figures.
    expect(rows(60).map((check) => check.verdict)).toEqual(["saturated", "saturated"]);
    expect(rows(60)[1]?.measured).toBe(
      "+20 ms (Responses 35, chat 15); the bare proxy's own TTFT p99 here: +60 ms over the floor",
    );
    // Within the 2 ms budget: judged as before, p50 met (+0.5) and p99 missed (+20).
    expect(rows(1).map((check) => check.verdict)).toEqual(["met", "missed"]);
  });

  test("are left out when the run has no paired rounds", () => {
    const single = run([[0.1, 0.1]]).map(({ round: _round, ...rest }) => rest as StepResult);
    expect(paired(single)).toEqual([]);
  });
});
