// The CEL environment custom_rules are compiled against (DESIGN §6): the variables a rule
// may read, their types, and how one request's facts become CEL values.
import { Environment } from "@marcbachmann/cel-js";

/** What the pipeline knows about a request when custom_rules run. */
export interface RuleInput {
  /** `mlx:tags` of the request; `{}` when none. */
  tags: Readonly<Record<string, string>>;
  /** `mlx:end_user`; `""` when none. */
  user: string;
  request: {
    input_tokens: number;
    has_tools: boolean;
    has_images: boolean;
    stream: boolean;
    /** Null when the request does not set it; CEL sees 0. */
    max_tokens: number | null;
  };
  /** Highest used fraction (0..1, may exceed 1) among the budgets that apply. */
  budget: { used_pct: number };
  /** Request time, epoch milliseconds. */
  nowMs: number;
}

// CEL integers are bigints and typed fields are checked against registered classes, so the
// nested variables are small classes built once per evaluation (not once per rule).
export class RuleRequest {
  constructor(
    readonly input_tokens: bigint,
    readonly has_tools: boolean,
    readonly has_images: boolean,
    readonly stream: boolean,
    readonly max_tokens: bigint,
  ) {}
}

export class RuleBudget {
  constructor(readonly used_pct: number) {}
}

/** Time of the request, all in UTC: rules behave the same on every data plane. */
export class RuleTime {
  constructor(
    /** 0–23, UTC. */
    readonly hour: bigint,
    /** 0–59, UTC. */
    readonly minute: bigint,
    /** 0 = Sunday … 6 = Saturday, UTC (as CEL's `getDayOfWeek()`). */
    readonly weekday: bigint,
    /** The instant, a CEL timestamp: `time.now > timestamp("2026-01-01T00:00:00Z")`. */
    readonly now: Date,
  ) {}
}

export interface RuleContext {
  tags: Readonly<Record<string, string>>;
  user: string;
  request: RuleRequest;
  budget: RuleBudget;
  time: RuleTime;
}

export const ruleEnvironment = new Environment({ enableOptionalTypes: true })
  .registerVariable("tags", "map<string, string>", { description: "mlx:tags of the request" })
  .registerVariable("user", "string", { description: "mlx:end_user, empty when unset" })
  .registerType("Request", {
    ctor: RuleRequest,
    fields: {
      input_tokens: "int",
      has_tools: "bool",
      has_images: "bool",
      stream: "bool",
      max_tokens: "int",
    },
  })
  .registerVariable("request", "Request")
  .registerType("Budget", { ctor: RuleBudget, fields: { used_pct: "double" } })
  .registerVariable("budget", "Budget")
  .registerType("Time", {
    ctor: RuleTime,
    fields: { hour: "int", minute: "int", weekday: "int", now: "google.protobuf.Timestamp" },
  })
  .registerVariable("time", "Time");

export function ruleContext(input: RuleInput): RuleContext {
  const { request } = input;
  const now = new Date(input.nowMs);
  return {
    tags: input.tags,
    user: input.user,
    request: new RuleRequest(
      BigInt(Math.trunc(request.input_tokens)),
      request.has_tools,
      request.has_images,
      request.stream,
      BigInt(Math.trunc(request.max_tokens ?? 0)),
    ),
    budget: new RuleBudget(input.budget.used_pct),
    time: new RuleTime(
      BigInt(now.getUTCHours()),
      BigInt(now.getUTCMinutes()),
      BigInt(now.getUTCDay()),
      now,
    ),
  };
}
