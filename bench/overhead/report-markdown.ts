// The overhead benchmark's Markdown: the side-by-side headline, the targets (issue 20's table)
// with verdicts, then one table per load shape with every target's row. Console output reuses it.
import type { Machine } from "./machine.ts";
import { API_LABELS, APIS, apiOf, describeLoad, stepKey } from "./plan.ts";
import { type BudgetCheck, type DerivedStep, pairedRounds, peakThroughput } from "./results.ts";
import { TARGET_LABELS, TARGET_NAMES, type TargetName } from "./targets.ts";

export interface OverheadReport {
  measured_at: string;
  command: string;
  quick: boolean;
  machine: Machine;
  load_average_end: number;
  steps: DerivedStep[];
  budgets: BudgetCheck[];
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

const fixed = (value: number | undefined | null, digits = 3) =>
  value === undefined || value === null ? "—" : value.toFixed(digits);
const signed = (value: number | undefined | null) =>
  value === undefined || value === null ? "—" : `${value >= 0 ? "+" : ""}${value.toFixed(3)}`;
const count = (value: number | undefined | null) =>
  value === undefined || value === null ? "—" : Math.round(value).toLocaleString("en-US");

function targetsIn(steps: DerivedStep[]): TargetName[] {
  return TARGET_NAMES.filter((name) => steps.some((step) => step.target === name));
}

export function headlineTable(steps: DerivedStep[]): string {
  const portkey = peakThroughput(steps, "portkey", false)?.throughput;
  const bare = peakThroughput(steps, "bare-proxy", false)?.throughput;
  const openAt = (target: string, mode: string, stream: boolean) => {
    const opens = steps.filter(
      (step) =>
        step.target === target &&
        step.mode === mode &&
        step.stream === stream &&
        apiOf(step) === "chat" &&
        step.round === undefined &&
        step.load.kind === "open",
    );
    // The 1k req/s step, or the lowest rate run (quick mode).
    return opens.find((step) => step.load.kind === "open" && step.load.rate === 1000) ?? opens[0];
  };
  const rows = targetsIn(steps).map((target) => {
    const plain = peakThroughput(steps, target, false);
    const stream = peakThroughput(steps, target, true);
    const open = openAt(target, "instant", false);
    const realistic = openAt(target, "realistic", true);
    return [
      TARGET_LABELS[target],
      plain
        ? `${count(plain.throughput)} (c${plain.load.kind === "closed" ? plain.load.connections : ""})`
        : "—",
      plain && portkey ? `${(plain.throughput / portkey).toFixed(2)}×` : "—",
      plain && bare ? `${(plain.throughput / bare).toFixed(2)}×` : "—",
      stream ? count(stream.throughput) : "—",
      open?.latency ? `${fixed(open.latency.p50)} / ${fixed(open.latency.p99)}` : "—",
      open?.added_over_floor
        ? `${signed(open.added_over_floor.p50)} / ${signed(open.added_over_floor.p99)}`
        : "—",
      realistic?.ttft_added_over_floor
        ? `${signed(realistic.ttft_added_over_floor.p50)} / ${signed(realistic.ttft_added_over_floor.p99)}`
        : "—",
      plain?.processes.target ? `${plain.processes.target.cpu_pct}` : "—",
      fixed(
        Math.max(
          0,
          ...steps
            .filter((s) => s.target === target)
            .map((s) => s.processes.target?.peak_rss_mb ?? s.processes.simulator?.peak_rss_mb ?? 0),
        ),
        0,
      ),
    ];
  });
  return table(
    [
      "target",
      "peak req/s plain",
      "× Portkey",
      "× bare proxy",
      "peak req/s stream",
      "p50 / p99 ms, open plain",
      "added p50 / p99 ms",
      "TTFT added p50 / p99 ms, realistic",
      "CPU % at peak",
      "peak RSS MB",
    ],
    rows,
  );
}

/** Time to first token per API through modelux, beside the floor and chat's (the Responses steps). */
export function responsesTable(steps: DerivedStep[]): string | null {
  const streamed = steps.filter(
    (step) =>
      step.target === "modelux" &&
      step.mode === "realistic" &&
      step.stream &&
      step.round === undefined &&
      step.load.kind === "open",
  );
  if (!streamed.some((step) => apiOf(step) !== "chat")) return null;
  const chat = streamed.find((step) => apiOf(step) === "chat");
  const chatClaude = streamed.find((step) => apiOf(step) === "chat-claude");
  const rows = APIS.flatMap((api) => {
    const step = streamed.find((candidate) => apiOf(candidate) === api);
    if (!step) return [];
    const reference = api.endsWith("-claude") ? chatClaude : chat;
    const minusChat =
      api.startsWith("responses") && step.ttft && reference?.ttft
        ? `${signed(step.ttft.p50 - reference.ttft.p50)} / ${signed(step.ttft.p99 - reference.ttft.p99)}`
        : "—";
    return [
      [
        API_LABELS[api],
        describeLoad(step.load),
        step.ttft ? `${fixed(step.ttft.p50)} / ${fixed(step.ttft.p99)}` : "—",
        step.ttft_added_over_floor
          ? `${signed(step.ttft_added_over_floor.p50)} / ${signed(step.ttft_added_over_floor.p99)}`
          : "—",
        minusChat,
        step.latency ? `${fixed(step.latency.p50)} / ${fixed(step.latency.p99)}` : "—",
        String(step.error_count),
      ],
    ];
  });
  return table(
    [
      "API through modelux (realistic setup)",
      "load",
      "TTFT p50 / p99 ms",
      "TTFT added over floor p50 / p99",
      "TTFT minus chat's (same upstream) p50 / p99",
      "whole stream p50 / p99 ms",
      "errors",
    ],
    rows,
  );
}

export function budgetTable(checks: BudgetCheck[]): string {
  return table(
    ["target (realistic setup)", "limit", "measured", "verdict"],
    checks.map((check) => [
      check.target,
      check.limit,
      check.measured,
      check.verdict === "met" ? "met" : `**${check.verdict}**`,
    ]),
  );
}

function stepTable(steps: DerivedStep[]): string {
  const open = steps[0]?.load.kind === "open";
  const stream = steps[0]?.stream === true;
  const header = [
    "target",
    "req/s",
    "p50",
    "p90",
    "p99",
    "max",
    "added p50 / p99 over floor",
    "added p50 / p99 over bare",
  ];
  if (open && stream) header.push("TTFT p50 / p99", "TTFT added p50 / p99");
  if (open) header.push("self-reported overhead p50 / p99");
  header.push("errors", "CPU % target / sim / load", "RSS MB target");
  const rows = steps.map((step) => {
    const row = [
      TARGET_LABELS[step.target as TargetName] ?? step.target,
      count(step.throughput),
      fixed(step.latency?.p50),
      fixed(step.latency?.p90),
      fixed(step.latency?.p99),
      fixed(step.latency?.max),
      step.added_over_floor
        ? `${signed(step.added_over_floor.p50)} / ${signed(step.added_over_floor.p99)}`
        : "—",
      step.added_over_bare_proxy
        ? `${signed(step.added_over_bare_proxy.p50)} / ${signed(step.added_over_bare_proxy.p99)}`
        : "—",
    ];
    if (open && stream) {
      row.push(
        step.ttft ? `${fixed(step.ttft.p50)} / ${fixed(step.ttft.p99)}` : "—",
        step.ttft_added_over_floor
          ? `${signed(step.ttft_added_over_floor.p50)} / ${signed(step.ttft_added_over_floor.p99)}`
          : "—",
      );
    }
    if (open)
      row.push(
        step.self_reported_overhead
          ? `${fixed(step.self_reported_overhead.p50)} / ${fixed(step.self_reported_overhead.p99)}`
          : "—",
      );
    const usage = step.processes;
    row.push(
      String(step.error_count),
      `${usage.target?.cpu_pct ?? "—"} / ${usage.simulator?.cpu_pct ?? "—"} / ${usage.load?.cpu_pct ?? "—"}`,
      fixed(usage.target?.peak_rss_mb ?? null, 0),
    );
    return row;
  });
  return table(header, rows);
}

export function detailSections(steps: DerivedStep[]): string {
  const groups = new Map<string, DerivedStep[]>();
  for (const step of steps) groups.set(stepKey(step), [...(groups.get(stepKey(step)) ?? []), step]);
  const sections: string[] = [];
  for (const group of groups.values()) {
    const first = group[0] as DerivedStep;
    const order = (step: DerivedStep) => TARGET_NAMES.indexOf(step.target as TargetName);
    sections.push(
      `### ${first.mode}, ${first.stream ? "streamed" : "plain"}, ${describeLoad(first.load)}, ${first.seconds} s${first.api ? `, ${API_LABELS[first.api]}` : ""}\n\n${stepTable([...group].sort((a, b) => order(a) - order(b)))}`,
    );
  }
  return sections.join("\n\n");
}

/** The paired comparison's rounds, Responses beside chat, round by round (results.ts). */
export function pairedTable(steps: DerivedStep[]): string | null {
  const rate = steps.find((step) => step.round !== undefined && step.target === "modelux")?.load;
  if (rate?.kind !== "open") return null;
  const rows = [false, true].flatMap((translated) =>
    pairedRounds(steps, translated).map((round) => {
      const show = translated ? (ms: number) => fixed(ms) : signed;
      return [
        translated
          ? "both translated to Claude: TTFT"
          : "passthrough to OpenAI: TTFT added over floor",
        String(round.round),
        `${show(round.chat.p50)} / ${show(round.chat.p99)}`,
        `${show(round.responses.p50)} / ${show(round.responses.p99)}`,
        `${signed(round.responses.p50 - round.chat.p50)} / ${signed(round.responses.p99 - round.chat.p99)}`,
      ];
    }),
  );
  return table(
    [
      `paired rounds, ${rate.rate} req/s (ms)`,
      "round",
      "chat p50 / p99",
      "Responses p50 / p99",
      "Responses minus chat p50 / p99",
    ],
    rows,
  );
}

export function renderMarkdown(report: OverheadReport): string {
  const machine = report.machine;
  const responses = [responsesTable(report.steps), pairedTable(report.steps)]
    .filter((part) => part !== null)
    .join("\n\n");
  const pinning = machine.pinning
    ? `target pinned to CPU ${machine.pinning.target}, simulator and load generator to CPU ${machine.pinning.simulator_and_load}`
    : "unpinned";
  return `# Gateway overhead, throughput and memory${report.quick ? " (quick run: not a measurement)" : ""}

Measured ${report.measured_at} with \`${report.command}\` on ${machine.cpu} (${machine.cores} cores),
${machine.platform} ${machine.kernel}, bun ${machine.bun}, ${machine.wrk}, @portkey-ai/gateway
${machine.portkey_gateway}, hdr-histogram-js ${machine.hdr_histogram_js}, commit ${machine.commit}; ${pinning};
1-minute load average ${machine.load_average_start} at the start, ${report.load_average_end} at the end.
Method and caveats: \`docs/performance.md\`. Latencies in ms; "added" is this target's percentile
minus the same percentile of the floor (simulator direct) or of the bare Bun proxy, same step.

## Side by side

${headlineTable(report.steps)}

${responses ? `## Responses API against chat (time to first token)\n\nAt the realistic rate, then in paired rounds (chat and Responses interleaved request by request in one\nstep, round after round) at a rate this machine serves without queueing, the two APIs sharing\nthe rate; issue 16's check is the paired rounds' median.\n\n${responses}\n\n` : ""}## Targets

Issue 20's table (it replaces DESIGN §12's "end to end minus direct" rows: the bare Bun hop
alone adds ~0.2 ms at p50 here), for the realistic setup on the in-process bus and on NATS
JetStream; then the Responses API's time to first token against chat's (issue 16).

${budgetTable(report.budgets)}

## Every step

${detailSections(report.steps)}
`;
}
