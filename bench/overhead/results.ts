// From raw step results to what the report says: latency added over the floor (same step against
// the simulator directly) and over the bare proxy, throughput ratios, and each DESIGN §12 target
// with its measured value and verdict (the Responses API's time to first token against chat's
// included).
import { type Api, apiOf, stepKey } from "./plan.ts";
import type { StepResult } from "./run-step.ts";

export interface Comparison {
  /** Percentile of the target minus the same percentile of the reference, in ms. */
  p50: number;
  p90: number;
  p99: number;
}

export interface DerivedStep extends StepResult {
  added_over_floor: Comparison | null;
  added_over_bare_proxy: Comparison | null;
  ttft_added_over_floor: Comparison | null;
}

export interface BudgetCheck {
  target: string;
  limit: string;
  measured: string;
  verdict: "met" | "missed" | "not measured";
  how: string;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const round2 = (value: number) => Math.round(value * 100) / 100;

function compare(
  mine: StepResult["latency"] | undefined,
  reference: StepResult["latency"] | undefined,
): Comparison | null {
  if (!mine || !reference) return null;
  return {
    p50: round3(mine.p50 - reference.p50),
    p90: round3(mine.p90 - reference.p90),
    p99: round3(mine.p99 - reference.p99),
  };
}

export function derive(steps: StepResult[]): DerivedStep[] {
  const find = (target: string, step: StepResult) =>
    steps.find((candidate) => candidate.target === target && stepKey(candidate) === stepKey(step));
  return steps.map((step) => {
    const floor = step.target === "direct" ? undefined : find("direct", step);
    const bare =
      step.target === "direct" || step.target === "bare-proxy"
        ? undefined
        : find("bare-proxy", step);
    return {
      ...step,
      added_over_floor: compare(step.latency, floor?.latency),
      added_over_bare_proxy: compare(step.latency, bare?.latency),
      ttft_added_over_floor: step.stream ? compare(step.ttft ?? null, floor?.ttft ?? null) : null,
    };
  });
}

/** Highest closed-loop throughput of a target over the concurrencies run. */
export function peakThroughput(steps: StepResult[], target: string, stream: boolean) {
  let best: StepResult | null = null;
  for (const step of steps) {
    if (step.target !== target || step.stream !== stream || step.load.kind !== "closed") continue;
    if (apiOf(step) !== "chat") continue;
    if (step.mode !== "instant") continue;
    if (best === null || step.throughput > best.throughput) best = step;
  }
  return best;
}

export function checkBudgets(steps: DerivedStep[]): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  const at1k = (target: string, mode: string, stream: boolean, api: Api = "chat") =>
    steps.find(
      (step) =>
        step.target === target &&
        step.mode === mode &&
        step.stream === stream &&
        apiOf(step) === api &&
        step.load.kind === "open" &&
        step.load.rate === 1000,
    );
  const overhead = at1k("modelux", "instant", false);
  const selfReported = overhead?.self_reported_overhead;
  const endToEnd = overhead?.added_over_floor;
  for (const [percentile, limit] of [
    ["p50", 0.1],
    ["p99", 1],
  ] as const) {
    checks.push(
      verdict(
        `overhead ${percentile}, X-Modelux-Overhead-Ms, 1k req/s`,
        limit,
        selfReported?.[percentile],
        "ms",
        "the gateway's own figure: wall time minus time waiting on the upstream",
      ),
      verdict(
        `overhead ${percentile}, end-to-end minus direct, 1k req/s`,
        limit,
        endToEnd?.[percentile],
        "ms",
        "client-measured latency through modelux minus the same percentile straight to the simulator",
      ),
    );
  }
  for (const stream of [false, true]) {
    const kind = stream ? "streamed" : "plain";
    const mine = peakThroughput(steps, "modelux", stream);
    const portkey = peakThroughput(steps, "portkey", stream);
    const bare = peakThroughput(steps, "bare-proxy", stream);
    checks.push(
      ratio(`throughput ≥ 3× Portkey (${kind})`, 3, mine?.throughput, portkey?.throughput),
      ratio(`throughput ≥ 0.6× bare Bun proxy (${kind})`, 0.6, mine?.throughput, bare?.throughput),
    );
  }
  const ttft = at1k("modelux", "realistic", true)?.ttft_added_over_floor;
  for (const percentile of ["p50", "p99"] as const) {
    checks.push(
      verdict(
        `TTFT overhead ${percentile}, realistic stream, 1k req/s`,
        1,
        ttft?.[percentile],
        "ms",
        "time to first body byte through modelux minus straight to the simulator",
      ),
    );
  }
  // The realistic streamed step of each API: 1k req/s in a full run, --rate's when given.
  const realistic = (api: Api) =>
    steps.find(
      (step) =>
        step.target === "modelux" &&
        step.mode === "realistic" &&
        step.stream &&
        apiOf(step) === api &&
        step.load.kind === "open",
    );
  checks.push(...responsesChecks(realistic));
  return checks;
}

/**
 * The Responses surface's time to first token within 1 ms of chat's (issue 16). Passthrough:
 * each API's TTFT over its own floor (the simulator serves both), Responses minus chat.
 * Translated: both APIs reach the same Claude upstream, so their TTFTs compare directly.
 */
function responsesChecks(at: (api: Api) => DerivedStep | undefined): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  const rate = at("responses")?.load ?? at("responses-claude")?.load;
  const load = rate?.kind === "open" ? `${rate.rate / 1000}k req/s` : "1k req/s";
  const chatOverFloor = at("chat")?.ttft_added_over_floor;
  const responsesOverFloor = at("responses")?.ttft_added_over_floor;
  const chatClaude = at("chat-claude")?.ttft;
  const responsesClaude = at("responses-claude")?.ttft;
  for (const percentile of ["p50", "p99"] as const)
    checks.push(
      difference(
        `Responses TTFT overhead ${percentile} within 1 ms of chat's, passthrough to OpenAI, realistic stream, ${load}`,
        responsesOverFloor?.[percentile],
        chatOverFloor?.[percentile],
        "each API's time to first body byte through modelux minus straight to the simulator; Responses minus chat",
      ),
    );
  for (const percentile of ["p50", "p99"] as const)
    checks.push(
      difference(
        `Responses TTFT ${percentile} within 1 ms of chat's, both translated to Claude, realistic stream, ${load}`,
        responsesClaude?.[percentile],
        chatClaude?.[percentile],
        "time to first body byte through modelux, same Claude upstream; Responses minus chat",
      ),
    );
  return checks;
}

function difference(
  target: string,
  responses: number | undefined,
  chat: number | undefined,
  how: string,
): BudgetCheck {
  if (responses === undefined || chat === undefined)
    return { target, limit: "≤ 1 ms", measured: "—", verdict: "not measured", how };
  const value = responses - chat;
  return {
    target,
    limit: "≤ 1 ms",
    measured: `${value >= 0 ? "+" : ""}${round3(value)} ms (Responses ${round3(responses)}, chat ${round3(chat)})`,
    verdict: value <= 1 ? "met" : "missed",
    how,
  };
}

function verdict(
  target: string,
  limit: number,
  measured: number | undefined,
  unit: string,
  how: string,
): BudgetCheck {
  if (measured === undefined)
    return { target, limit: `≤ ${limit} ${unit}`, measured: "—", verdict: "not measured", how };
  return {
    target,
    limit: `≤ ${limit} ${unit}`,
    measured: `${round3(measured)} ${unit}`,
    verdict: measured <= limit ? "met" : "missed",
    how,
  };
}

function ratio(
  target: string,
  minimum: number,
  mine: number | undefined,
  theirs: number | undefined,
): BudgetCheck {
  const how = "peak closed-loop req/s over the concurrencies run, instant mode";
  if (!mine || !theirs)
    return { target, limit: `≥ ${minimum}×`, measured: "—", verdict: "not measured", how };
  const value = mine / theirs;
  return {
    target,
    limit: `≥ ${minimum}×`,
    measured: `${round2(value)}× (${Math.round(mine)} vs ${Math.round(theirs)} req/s)`,
    verdict: value >= minimum ? "met" : "missed",
    how,
  };
}
