// Small helpers for routing tests against the gateway harness: send a chat request on either
// surface, arm simulator faults, read the decision trace the request produced.
import type { DecisionTrace } from "../../dataplane/trace/decision-trace.ts";
import type { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import { type GatewayHarness, HARNESS_KEY } from "./gateway-harness.ts";

export interface ChatResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export function routingClient(harness: GatewayHarness) {
  const post = async (
    path: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<ChatResult> => {
    const response = await fetch(`${harness.baseUrl}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${HARNESS_KEY}`,
        "content-type": "application/json",
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // A stream: the caller reads `text`.
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    post,
    openai: (
      model: string,
      extra: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) =>
      post(
        "/openai/v1/chat/completions",
        { model, messages: [{ role: "user", content: "Say something short." }], ...extra },
        headers,
      ),
    anthropic: (
      model: string,
      extra: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) =>
      post(
        "/anthropic/v1/messages",
        {
          model,
          max_tokens: 200,
          messages: [{ role: "user", content: "Say something short." }],
          ...extra,
        },
        headers,
      ),
    /** Arms one or more simulator faults (see simulator/README.md). */
    fault: async (spec: Record<string, unknown> | Record<string, unknown>[]) => {
      const response = await fetch(`${harness.simulator.url}/_sim/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(spec),
      });
      if (!response.ok) throw new Error(`fault not armed: ${await response.text()}`);
    },
    reset: async () => {
      await fetch(`${harness.simulator.url}/_sim/faults`, { method: "DELETE" });
      await fetch(`${harness.simulator.url}/_sim/calls`, { method: "DELETE" });
    },
    calls: async (): Promise<Record<string, Record<string, number>>> => {
      const response = await fetch(`${harness.simulator.url}/_sim/calls`);
      return ((await response.json()) as { counts: Record<string, Record<string, number>> }).counts;
    },
    /** The trace the data plane emitted for a request, by its X-Modelux-Request-Id. */
    traceOf: (result: ChatResult): DecisionTrace => {
      const id = result.headers.get("x-modelux-request-id") ?? "";
      const trace = (harness.context.traces as RecentTraces).find(id);
      if (!trace) throw new Error(`no trace emitted for request ${id}`);
      return trace;
    },
  };
}

/** An OpenAI chat completion body, for faults that answer 200 with a chosen text. */
export function openAiAnswer(text: string, finishReason = "stop") {
  return {
    id: "chatcmpl-fixed",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o-mini",
    choices: [
      { index: 0, message: { role: "assistant", content: text }, finish_reason: finishReason },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
  };
}

/** An Anthropic message body, for faults that answer 200 with a chosen text. */
export function anthropicAnswer(text: string, stopReason = "end_turn") {
  return {
    id: "msg_fixed",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "text", text }],
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 8 },
  };
}
