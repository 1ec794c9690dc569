// Turns the planned answer into Responses output items (reasoning, built-in tool calls, a
// function call or a message), their usage and status, and the `response` object around them,
// shaped like the recordings in test/fixtures/provider-recordings/openai/responses/.
import type { Answer } from "../../common/answer.ts";
import { createRandom, seedOf } from "../../common/random.ts";
import { generatePhrase } from "../../common/text.ts";
import { splitTokens } from "../../common/tokens.ts";
import type { HostedCall } from "./responses-hosted-tools.ts";
import { effortOf, itemId, type ResponseItem } from "./responses-input.ts";
import { sealReasoning } from "./responses-reasoning.ts";
import type { ResponsesRequest } from "./responses-request.ts";
import type { ResponseBody } from "./responses-store.ts";

export type OutputPlan =
  | { kind: "reasoning"; item: ResponseItem; tokens: number; summaryPieces: string[] | undefined }
  | { kind: "message"; item: ResponseItem; pieces: string[]; logprobs: Logprob[] | undefined }
  | { kind: "function_call"; item: ResponseItem; pieces: string[] }
  | { kind: "hosted"; call: HostedCall };

export interface Logprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface PlannedResponse {
  outputs: OutputPlan[];
  status: "completed" | "incomplete";
  incompleteDetails: { reason: "max_output_tokens" } | null;
  usage: ResponsesUsage;
}

export function planOutput(
  request: ResponsesRequest,
  answer: Answer,
  hosted: HostedCall[],
  inputTokens: number,
  cachedTokens: number,
): PlannedResponse {
  const include = new Set(request.include ?? []);
  const outputs: OutputPlan[] = [];
  const { reasoning, content } = answer;
  if (reasoning) {
    const id = itemId("rs_");
    const item: ResponseItem = { id, type: "reasoning" };
    if (include.has("reasoning.encrypted_content"))
      item.encrypted_content = sealReasoning(id, reasoning.text);
    const wantsSummary = request.reasoning?.summary ?? request.reasoning?.generate_summary;
    item.summary = wantsSummary ? [{ type: "summary_text", text: reasoning.text }] : [];
    const summaryPieces = wantsSummary ? splitTokens(reasoning.text) : undefined;
    outputs.push({ kind: "reasoning", item, tokens: reasoning.tokens, summaryPieces });
  }
  const reasoningTokens = reasoning?.tokens ?? 0;
  let outputTokens = answer.outputTokens;
  let incomplete = answer.finish === "length";

  if (content.kind === "tool_call") {
    const item: ResponseItem = {
      id: itemId("fc_"),
      type: "function_call",
      status: "completed",
      arguments: content.argumentsJson,
      call_id: itemId("call_").slice(0, 29),
      name: content.name,
    };
    outputs.push({ kind: "function_call", item, pieces: content.pieces });
  } else {
    for (const call of hosted) {
      outputs.push({ kind: "hosted", call });
      outputTokens += call.tokens;
    }
    if (hosted.at(-1)?.kind === "computer") {
      // The turn ends with the action; the planned text is never said.
      outputTokens -= answer.outputTokens - reasoningTokens;
      incomplete = false;
    } else {
      const textFormat = (request.text?.format?.type ?? "text") === "text";
      const annotations = textFormat
        ? hosted.flatMap((call) => (call.annotation ? [call.annotation(content.text)] : []))
        : [];
      const logprobs = include.has("message.output_text.logprobs")
        ? logprobsOf(content.pieces, request.top_logprobs ?? 0)
        : undefined;
      const item: ResponseItem = {
        id: itemId("msg_"),
        type: "message",
        status: incomplete ? "incomplete" : "completed",
        content: [
          { type: "output_text", annotations, logprobs: logprobs ?? [], text: content.text },
        ],
        role: "assistant",
      };
      outputs.push({ kind: "message", item, pieces: content.pieces, logprobs });
    }
  }

  return {
    outputs,
    status: incomplete ? "incomplete" : "completed",
    incompleteDetails: incomplete ? { reason: "max_output_tokens" } : null,
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: cachedTokens },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: reasoningTokens },
      total_tokens: inputTokens + outputTokens,
    },
  };
}

/** Made-up but stable log probabilities: one per output token, `top` alternatives each. */
function logprobsOf(pieces: string[], top: number): Logprob[] {
  const random = createRandom(seedOf(`logprobs\n${pieces.join("")}`));
  const entry = (token: string, logprob: number) => ({
    token,
    logprob,
    bytes: [...Buffer.from(token, "utf8")],
  });
  return pieces.map((piece) => {
    const logprob = -Math.round(random.next() * 2000) / 1000;
    const alternatives = Array.from({ length: top }, (_, rank) =>
      entry(rank === 0 ? piece : ` ${generatePhrase(random, 1)}`, logprob - rank * 1.5),
    );
    return { ...entry(piece, logprob), top_logprobs: alternatives };
  });
}

export interface ResponseMeta {
  id: string;
  createdAt: number;
  model: string;
}

export interface ResponseView {
  status: string;
  output: ResponseItem[];
  usage: ResponsesUsage | null;
  error: { code: string; message: string } | null;
  incompleteDetails: { reason: string } | null;
  completedAt: number | null;
  /** Vendor fields after `completed_at` (Azure's `content_filters`). */
  extras?: Record<string, unknown>;
}

function toolEcho(tool: NonNullable<ResponsesRequest["tools"]>[number]) {
  if (tool.type !== "function") return tool;
  const { type, name, description, parameters, strict, ...rest } = tool;
  return {
    type,
    description: description ?? null,
    name,
    parameters: parameters ?? null,
    strict: strict ?? true,
    ...rest,
  };
}

/** The `response` object: the view's state and the request's settings echoed, in OpenAI's order. */
export function responseBody(
  meta: ResponseMeta,
  request: ResponsesRequest,
  view: ResponseView,
): ResponseBody {
  const tier = request.service_tier;
  return {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status: view.status,
    background: request.background ?? false,
    completed_at: view.completedAt,
    ...view.extras,
    error: view.error,
    incomplete_details: view.incompleteDetails,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: request.max_tool_calls ?? null,
    model: meta.model,
    output: view.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    prompt_cache_key: request.prompt_cache_key ?? null,
    prompt_cache_retention: request.prompt_cache_retention ?? null,
    reasoning: {
      effort: effortOf(request),
      summary: request.reasoning?.summary ?? request.reasoning?.generate_summary ?? null,
    },
    safety_identifier: request.safety_identifier ?? null,
    service_tier: !tier || tier === "auto" ? "default" : tier,
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: {
      format: request.text?.format ?? { type: "text" },
      verbosity: request.text?.verbosity ?? "medium",
    },
    tool_choice: request.tool_choice ?? "auto",
    tools: (request.tools ?? []).map(toolEcho),
    top_logprobs: request.top_logprobs ?? 0,
    top_p: request.top_p ?? 1,
    truncation: request.truncation ?? "disabled",
    usage: view.usage,
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}
