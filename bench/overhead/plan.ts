// What one run measures. Full: open-loop at 1k and 5k req/s and closed-loop at 16/64/256
// connections in instant mode, open-loop at 1k req/s in realistic mode, plain and streamed, 10 s
// each; then the Responses API against chat, streamed in realistic mode (time to first token):
// at the realistic rate, and in paired rounds at a rate the machine serves without queueing, the
// two APIs' requests interleaved in one step.
// Quick (CI): one of each kind for a second or less, enough to prove every target starts and
// answers.
import type { Mode } from "./modes.ts";
import { TARGET_NAMES, type TargetName } from "./targets.ts";

export type Load = { kind: "closed"; connections: number } | { kind: "open"; rate: number };

/**
 * Which API a step calls and where it goes. `chat` (the default): Chat Completions to the
 * realistic setup's config, OpenAI first. `responses`: the Responses API to the same config, so a
 * passthrough to OpenAI. `chat-claude` and `responses-claude`: both APIs to a config serving
 * Claude, so both translated, against the same upstream format.
 */
export const APIS = ["chat", "responses", "chat-claude", "responses-claude"] as const;
export type Api = (typeof APIS)[number];

export const API_LABELS: Record<Api, string> = {
  chat: "Chat Completions",
  responses: "Responses (passthrough to OpenAI)",
  "chat-claude": "Chat Completions → Claude (translated)",
  "responses-claude": "Responses → Claude (translated)",
};

export interface Step {
  mode: Mode;
  stream: boolean;
  load: Load;
  seconds: number;
  /** Absent: chat. Only targets that serve the API run the step (see targets.ts). */
  api?: Exclude<Api, "chat">;
  /**
   * A round of the paired comparison of the Responses API with chat (1, 2, …), at a rate the
   * machine serves without queueing, on the floor and modelux only (results.ts `pairedChecks`).
   */
  round?: number;
  /**
   * A second API sent in turn with `api`'s, request by request, the rate shared: both meet the
   * same moments of the machine (a collection pause, a neighbour's burst), so what differs
   * between their latencies is the APIs' own. The step's result is one per API.
   */
  interleave?: Exclude<Api, "chat">;
}

/** Steps run against one process of the target, in one simulator mode. */
export interface StepGroup {
  mode: Mode;
  steps: Step[];
}

export interface Plan {
  quick: boolean;
  targets: TargetName[];
  /**
   * Latency steps first, then throughput, then realistic timing. A full run starts each group
   * on a fresh process of the target, so saturation (a heap grown to hundreds of MB) does not
   * leak into the next group's latencies; quick keeps one process per target.
   */
  groups: StepGroup[];
  restartPerGroup: boolean;
  /** Closed-loop warm-up of each process before its measured steps (JIT, connection pools). */
  warmupSeconds: number;
  /** Open-loop runs send at their rate this long before recording. */
  openWarmupSeconds: number;
}

export function makePlan(options: {
  quick: boolean;
  seconds?: number;
  targets?: TargetName[];
  /** Only the groups of this simulator mode (`realistic`: time to first token, Responses included). */
  mode?: Mode;
  /** The realistic steps' rate (req/s) instead of 1,000: a loaded machine cannot serve 1k. */
  realisticRate?: number;
  /** The paired comparison's rate (req/s, both APIs together) and rounds: 300 and 5 by default. */
  pairedRate?: number;
  pairedRounds?: number;
  /** Only the paired rounds (in the realistic group): issue 16's check alone, ~2 min. */
  pairedOnly?: boolean;
}): Plan {
  const realisticRate = options.realisticRate ?? 1000;
  const pairedRate = options.pairedRate ?? (options.quick ? 200 : 300);
  const pairedRounds = options.pairedRounds ?? (options.quick ? 1 : 5);
  const seconds = options.seconds ?? (options.quick ? 1 : 10);
  const both = (mode: Mode, load: Load, duration = seconds): Step[] =>
    [false, true].map((stream) => ({ mode, stream, load, seconds: duration }));
  // The Responses surface's time to first token beside chat's (DESIGN §12: within 1 ms of it).
  const responses = (apis: Array<Exclude<Api, "chat">>, load: Load, duration = seconds): Step[] =>
    apis.map((api) => ({ mode: "realistic", stream: true, load, seconds: duration, api }));
  // Chat and Responses interleaved request by request, passthrough then translated, round after
  // round: what the machine does meanwhile falls on both APIs alike.
  const paired = (duration: number): Step[] =>
    Array.from({ length: pairedRounds }, (_, index) =>
      (
        [
          [undefined, "responses"],
          ["chat-claude", "responses-claude"],
        ] as const
      ).map(
        ([api, interleave]): Step => ({
          mode: "realistic",
          stream: true,
          load: { kind: "open", rate: pairedRate },
          seconds: duration,
          ...(api ? { api } : {}),
          interleave,
          round: index + 1,
        }),
      ),
    ).flat();
  const groups: StepGroup[] = options.quick
    ? [
        {
          mode: "instant",
          // wrk runs whole seconds; the open-loop steps are shorter.
          steps: [
            ...both("instant", { kind: "open", rate: 500 }, 0.5),
            ...both("instant", { kind: "closed", connections: 16 }),
          ],
        },
        {
          mode: "realistic",
          steps: [
            { mode: "realistic", stream: true, load: { kind: "open", rate: 200 }, seconds: 0.5 },
            // The two paths of the Responses surface; chat → Claude is the full run's.
            ...responses(["responses", "responses-claude"], { kind: "open", rate: 200 }, 0.3),
            ...paired(0.6),
          ],
        },
      ]
    : [
        {
          mode: "instant",
          steps: [1000, 5000].flatMap((rate) => both("instant", { kind: "open", rate })),
        },
        {
          mode: "instant",
          steps: [16, 64, 256].flatMap((connections) =>
            both("instant", { kind: "closed", connections }),
          ),
        },
        {
          mode: "realistic",
          steps: [
            ...both("realistic", { kind: "open", rate: realisticRate }),
            ...responses(["responses", "chat-claude", "responses-claude"], {
              kind: "open",
              rate: realisticRate,
            }),
            ...paired(2 * seconds),
          ],
        },
      ];
  const chosen = options.pairedOnly
    ? groups.flatMap((group) => {
        const rounds = group.steps.filter((step) => step.round !== undefined);
        return rounds.length > 0 ? [{ ...group, steps: rounds }] : [];
      })
    : groups;
  return {
    quick: options.quick,
    targets: options.targets ?? [...TARGET_NAMES],
    groups: options.mode ? chosen.filter((group) => group.mode === options.mode) : chosen,
    restartPerGroup: !options.quick,
    warmupSeconds: options.quick ? 0 : 3,
    openWarmupSeconds: options.quick ? 0.2 : 1,
  };
}

export function describeLoad(load: Load): string {
  return load.kind === "closed" ? `closed, ${load.connections} conn` : `open, ${load.rate} req/s`;
}

/** Steps that compare across targets share this key. */
export function stepKey(step: Pick<Step, "mode" | "stream" | "load" | "api" | "round">): string {
  const load = step.load.kind === "closed" ? `c${step.load.connections}` : `r${step.load.rate}`;
  return `${step.mode}/${step.stream ? "stream" : "plain"}/${load}${step.api ? `/${step.api}` : ""}${step.round === undefined ? "" : `/round${step.round}`}`;
}

export const apiOf = (step: Pick<Step, "api">): Api => step.api ?? "chat";
