// The Response object around the output (OpenAI's `object: "response"`): what the request set,
// echoed with OpenAI's defaults for what it did not, as the API answers it.
import type { ResponsesRequest } from "./request-schema.ts";

export interface ResponseShell {
  /** `resp_mlx…` (ids.ts). */
  id: string;
  /** Seconds since the epoch. */
  createdAt: number;
  /** The model that answered. */
  model: string;
  request: ResponsesRequest;
  /** The client's `tools` as sent (built-in ones included). */
  tools: unknown[];
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed" | "cancelled";

export function responseObject(
  shell: ResponseShell,
  status: ResponseStatus,
  output: unknown[],
  extra: {
    usage?: unknown;
    incompleteReason?: string;
    error?: { code: string; message: string };
  } = {},
): Record<string, unknown> {
  const { request } = shell;
  const finished = status !== "in_progress";
  return {
    id: shell.id,
    object: "response",
    created_at: shell.createdAt,
    status,
    background: false,
    completed_at: status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: extra.error ?? null,
    incomplete_details: extra.incompleteReason ? { reason: extra.incompleteReason } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: request.max_tool_calls ?? null,
    model: shell.model,
    output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: {
      effort: request.reasoning?.effort ?? null,
      summary: request.reasoning?.summary ?? null,
    },
    service_tier: "default",
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: {
      format: request.text?.format ?? { type: "text" },
      verbosity: request.text?.verbosity ?? "medium",
    },
    tool_choice: request.tool_choice ?? "auto",
    tools: shell.tools,
    top_logprobs: request.top_logprobs ?? 0,
    top_p: request.top_p ?? 1,
    truncation: request.truncation ?? "disabled",
    usage: finished ? (extra.usage ?? null) : null,
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}

/**
 * Whether reasoning is shown with summaries: `reasoning.summary` (or the older
 * `generate_summary`) set. Without, a reasoning item has `summary: []` and no summary events,
 * as OpenAI answers; the vendor's thinking is summarized text already, so `auto`, `concise` and
 * `detailed` all show it as it came.
 */
export function wantsSummaries(request: ResponsesRequest): boolean {
  return request.reasoning?.summary != null || request.reasoning?.generate_summary != null;
}
