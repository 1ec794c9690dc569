// The open-loop generator sending two requests in turn (the overhead benchmark's paired rounds,
// issue 16): each request's own figures are kept beside the run's, and an interleaved step's
// result becomes one per API. A local server answers one path 200 and the other 503, so which
// request each figure belongs to shows in its statuses, never in its timing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OpenLoopResult, runOpenLoop } from "../../bench/overhead/load/open-loop-run.ts";
import type { Step } from "../../bench/overhead/plan.ts";
import { splitInterleaved } from "../../bench/overhead/run-step.ts";

let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({
    port: 0,
    fetch: (request) =>
      new URL(request.url).pathname === "/ok"
        ? new Response("answered")
        : new Response("refused", { status: 503 }),
  });
});
afterAll(() => server.stop(true));

describe("the open-loop generator with two requests", () => {
  test("keeps each one's sent, answered, errors and latencies, alternating them", async () => {
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
    const result = await runOpenLoop({
      requests: [
        { url: url("/ok"), headers: {}, body: "{}" },
        { url: url("/refused"), headers: {}, body: "{}" },
      ],
      rate: 200,
      seconds: 0.5,
      warmupSeconds: 0,
      initialConnections: 4,
      maxConnections: 16,
      timeoutMs: 5_000,
    });
    const [ok, refused] = result.per_request ?? [];
    if (!ok || !refused) throw new Error("no per-request figures");
    expect(ok.sent + refused.sent).toBe(result.sent);
    expect(Math.abs(ok.sent - refused.sent)).toBeLessThanOrEqual(1);
    expect(ok.completed + refused.completed).toBe(result.completed);
    expect(ok.errors).toEqual({ disconnect: 0, timeout: 0, non_2xx: 0 });
    expect(ok.latency?.count).toBe(ok.completed);
    expect(ok.ttft?.count).toBe(ok.completed);
    expect(refused.errors.non_2xx).toBe(refused.completed);
    expect(refused.latency).toBeNull();
    expect(result.errors.non_2xx).toBe(refused.completed);
  });

  test("one request: no per-request figures, the run's are its own", async () => {
    const result = await runOpenLoop({
      requests: [{ url: `http://127.0.0.1:${server.port}/ok`, headers: {}, body: "{}" }],
      rate: 100,
      seconds: 0.2,
      warmupSeconds: 0,
      initialConnections: 2,
      maxConnections: 8,
      timeoutMs: 5_000,
    });
    expect(result.per_request).toBeUndefined();
    expect(result.completed).toBeGreaterThan(0);
  });
});

describe("an interleaved step's result", () => {
  const summary = (p50: number) => ({
    count: 10,
    mean: p50,
    p50,
    p90: p50,
    p99: p50,
    p999: p50,
    max: p50,
  });
  const result: OpenLoopResult = {
    sent: 21,
    completed: 19,
    seconds: 2,
    throughput: 9.5,
    statuses: { "200": 18, "500": 1 },
    errors: { connect: 2, disconnect: 1, timeout: 0, non_2xx: 1 },
    latency: summary(50),
    ttft: summary(40),
    self_reported_overhead: null,
    dispatch_lag: summary(0.1),
    socket_wait: summary(0.01),
    connections_open: 8,
    disconnected_mid_answer: 0,
    per_request: [
      {
        sent: 11,
        completed: 10,
        errors: { disconnect: 1, timeout: 0, non_2xx: 0 },
        latency: summary(48),
        ttft: summary(38),
      },
      {
        sent: 10,
        completed: 9,
        errors: { disconnect: 0, timeout: 0, non_2xx: 1 },
        latency: summary(52),
        ttft: summary(42),
      },
    ],
  };
  const step: Step = {
    mode: "realistic",
    stream: true,
    load: { kind: "open", rate: 300 },
    seconds: 2,
    interleave: "responses",
    round: 2,
  };
  const base = {
    target: "modelux",
    mode: step.mode,
    stream: true,
    load: step.load,
    round: 2,
    processes: {},
  };

  test("is one per API, each with its own requests, errors and latencies", () => {
    const [chat, responses] = splitInterleaved(step, "responses", base, result);
    expect(chat).toMatchObject({
      round: 2,
      interleaved_with: "responses",
      requests: 10,
      throughput: 5,
      ttft: { p50: 38 },
      latency: { p50: 48 },
      // The connections that could not be opened belong to no request: counted on the first API.
      errors: { connect: 2, disconnect: 1, timeout: 0, non_2xx: 0 },
      error_count: 3,
    });
    expect(chat?.api).toBeUndefined();
    expect(responses).toMatchObject({
      api: "responses",
      interleaved_with: "chat",
      requests: 9,
      ttft: { p50: 42 },
      errors: { connect: 0, non_2xx: 1 },
      error_count: 1,
    });
  });

  test("without per-request figures is refused, not half-made", () => {
    const { per_request: _dropped, ...single } = result;
    expect(() => splitInterleaved(step, "responses", base, single)).toThrow(
      "no per-request figures",
    );
  });
});
