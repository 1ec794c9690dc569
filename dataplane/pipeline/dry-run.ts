// `X-Modelux-Dry-Run: true`: the whole pipeline up to the upstream call (auth, budgets,
// routing), answered with the decision instead of a completion. The same JSON on both surfaces.
// A streamed request gets it as a stream in the surface's format that the SDKs read to the end
// (docs/routing.md): OpenAI, one chunk with an empty assistant delta and `finish_reason: "stop"`
// carrying the decision under `mlx:dry_run` (then a zero usage chunk when include_usage asked for
// it) and `[DONE]`; Anthropic, message_start … message_stop with the decision in an
// `event: mlx:dry_run` between them, which the SDKs skip or pass through untouched.

import type { RoutePlan } from "../routing/plan.ts";
import { leafAttempts } from "../routing/plan.ts";
import { modeluxHeaders } from "../surfaces/response-headers.ts";
import type { DecisionTrace } from "../trace/decision-trace.ts";

/** How a streamed request wants the answer: its surface, and (OpenAI) whether usage was asked. */
export interface DryRunStream {
  surface: "openai" | "anthropic" | "responses";
  includeUsage: boolean;
  /** The surface's own dry-run events (a surface beyond the two below brings its own). */
  events?: (requestId: string, model: string, dryRun: unknown) => string;
}

export function dryRunResponse(
  requestId: string,
  plan: RoutePlan,
  trace: DecisionTrace,
  budgetHeaders: Record<string, string> = {},
  stream: DryRunStream | null = null,
): Response {
  const first = leafAttempts(plan)[0] ?? null;
  const wouldServe = first ? { provider: first.provider.name, model: first.model } : null;
  trace.decision.winner = wouldServe?.model ?? null;
  trace.decision.provider = wouldServe?.provider ?? null;
  const headers = {
    ...modeluxHeaders(requestId, plan, wouldServe, trace.overhead_ms),
    ...budgetHeaders,
    "x-modelux-dry-run": "true",
  };
  const body = {
    object: "modelux.dry_run",
    request_id: requestId,
    /** The first attempt of the plan: what would be called if nothing fails. */
    would_serve: wouldServe,
    plan: plan.steps.map((step) =>
      step.kind === "attempt"
        ? {
            kind: "attempt",
            provider: step.provider.name,
            model: step.model,
            timeout_ms: step.timeoutMs,
          }
        : step.kind === "cascade"
          ? {
              kind: "cascade",
              steps: step.steps.map((item) => ({
                models: item.attempts.map((attempt) => `${attempt.provider.name}/${attempt.model}`),
                accept: item.accept ?? null,
              })),
            }
          : {
              kind: "ensemble",
              aggregation: step.aggregation,
              timeout_ms: step.timeoutMs,
              members: step.members.map((member) => ({
                weight: member.weight,
                models: member.attempts.map(
                  (attempt) => `${attempt.provider.name}/${attempt.model}`,
                ),
              })),
            },
    ),
    "mlx:trace": trace,
  };
  if (stream === null) {
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { ...headers, "content-type": "application/json" },
    });
  }
  const model = wouldServe?.model ?? "";
  const events = stream.events
    ? stream.events(requestId, model, body)
    : stream.surface === "openai"
      ? openAiEvents(requestId, model, body, stream.includeUsage)
      : anthropicEvents(requestId, model, body);
  return new Response(events, {
    status: 200,
    headers: { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

function openAiEvents(
  requestId: string,
  model: string,
  dryRun: unknown,
  includeUsage: boolean,
): string {
  const chunk = {
    id: `chatcmpl-${requestId}`,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
  };
  // A choice, not an empty list: `chunk.choices[0]` is the everyday loop.
  const events: Record<string, unknown>[] = [
    {
      ...chunk,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: "stop" }],
      "mlx:dry_run": dryRun,
    },
  ];
  if (includeUsage) {
    const usage = {
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    events.push({ ...chunk, choices: [], usage });
  }
  return `${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join("")}data: [DONE]\n\n`;
}

function anthropicEvents(requestId: string, model: string, dryRun: unknown): string {
  const event = (name: string, data: unknown) =>
    `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  return [
    event("message_start", {
      type: "message_start",
      message: {
        id: `msg_${requestId}`,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    }),
    event("mlx:dry_run", { type: "mlx:dry_run", dry_run: dryRun }),
    event("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 0 },
    }),
    event("message_stop", { type: "message_stop" }),
  ].join("");
}
