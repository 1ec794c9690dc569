// A complete Chat v2 response and its usage, shaped like Cohere's recorded responses
// (test/fixtures/provider-recordings/cohere/*.json): thinking and text parts in `content`, or a
// `tool_plan` with `tool_calls`; `finish_reason` in capitals; usage in billed units and tokens.
import type { Answer, Finish } from "../../common/answer.ts";
import { countTokens } from "../../common/tokens.ts";
import { PREAMBLE_TOKENS } from "./chat-prompt.ts";

export interface ChatMeta {
  id: string;
  toolCallId: string;
  /** The note Cohere writes before calling tools; empty for a text answer. */
  toolPlan: string;
}

export interface ChatUsage {
  billed_units: { input_tokens: number; output_tokens: number };
  tokens: { input_tokens: number; output_tokens: number };
  cached_tokens: number;
}

export function finishReason(finish: Finish): string {
  switch (finish) {
    case "length":
      return "MAX_TOKENS";
    case "stop_sequence":
      return "STOP_SEQUENCE";
    case "tool_call":
      return "TOOL_CALL";
    default:
      return "COMPLETE";
  }
}

export function toolPlanFor(answer: Answer): string {
  const { content } = answer;
  return content.kind === "tool_call"
    ? `I will use the ${content.name} tool to answer the question.`
    : "";
}

/** A tool call id in Cohere's form, `<tool name>_<12 lower-case letters and digits>`. */
export function toolCallIdFor(answer: Answer): string {
  const name = answer.content.kind === "tool_call" ? answer.content.name : "tool";
  const letters = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let suffix = "";
  for (const byte of bytes) suffix += letters[byte % letters.length];
  return `${name}_${suffix}`;
}

/** Output tokens = the answer's (reasoning + text, or tool name and arguments) + the tool plan. */
export function chatUsage(billedInput: number, answer: Answer, toolPlan: string): ChatUsage {
  const output = answer.outputTokens + countTokens(toolPlan);
  return {
    billed_units: { input_tokens: billedInput, output_tokens: output },
    tokens: { input_tokens: billedInput + PREAMBLE_TOKENS, output_tokens: output },
    cached_tokens: 0,
  };
}

export function chatResponseBody(meta: ChatMeta, answer: Answer, usage: ChatUsage) {
  const { content } = answer;
  const parts: Array<Record<string, string>> = [];
  if (answer.reasoning) parts.push({ type: "thinking", thinking: answer.reasoning.text });
  let message: Record<string, unknown>;
  if (content.kind === "tool_call") {
    message = {
      role: "assistant",
      ...(parts.length > 0 ? { content: parts } : {}),
      tool_plan: meta.toolPlan,
      tool_calls: [
        {
          id: meta.toolCallId,
          type: "function",
          function: { name: content.name, arguments: content.argumentsJson },
        },
      ],
    };
  } else {
    parts.push({ type: "text", text: content.text });
    message = { role: "assistant", content: parts };
  }
  return { id: meta.id, message, finish_reason: finishReason(answer.finish), usage };
}
