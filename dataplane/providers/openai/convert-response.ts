// A non-streamed Chat Completions answer → canonical. The schema holds only what is read, all
// nullish: OpenAI-compatible vendors differ in what they add and leave out (Mistral's content
// arrays with thinking parts, DeepSeek's and xAI's `reasoning_content`, Groq's `reasoning`).
import * as v from "valibot";
import type { AssistantContent } from "#shared/canonical/content.ts";
import { type CanonicalResponse, emptyUsage } from "#shared/canonical/response.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { mapOpenAiFinishReason } from "../../wire/openai/finish-reason.ts";
import { convertOpenAiUsage } from "../../wire/openai/usage.ts";

const toolCallSchema = v.looseObject({
  id: v.nullish(v.string()),
  function: v.nullish(
    v.looseObject({ name: v.nullish(v.string()), arguments: v.optional(v.unknown()) }),
  ),
});

export const responseSchema = v.looseObject({
  id: v.nullish(v.string()),
  model: v.nullish(v.string()),
  choices: v.array(
    v.looseObject({
      message: v.nullish(
        v.looseObject({
          content: v.optional(v.unknown()),
          reasoning_content: v.optional(v.unknown()),
          reasoning: v.optional(v.unknown()),
          refusal: v.nullish(v.string()),
          tool_calls: v.nullish(v.array(toolCallSchema)),
        }),
      ),
      finish_reason: v.nullish(v.string()),
    }),
  ),
  usage: v.optional(v.unknown()),
});

type ChatCompletion = v.InferOutput<typeof responseSchema>;

export function convertOpenAiResponse(
  body: unknown,
  vendor = "openai",
): Converted<CanonicalResponse> {
  const answer = readChatCompletion(body);
  if (answer === null) {
    throw new GatewayError("upstream_error", `${vendor}: answer is not a Chat Completions object`);
  }
  const warnings: ConversionWarning[] = [];
  const choice = answer.choices[0];
  const message = choice?.message;
  const content: AssistantContent[] = [];
  if (message) {
    const reasoning = message.reasoning_content ?? message.reasoning;
    if (typeof reasoning === "string" && reasoning !== "") {
      content.push({ type: "thinking", text: reasoning });
    }
    pushContent(message.content, content);
    if (message.refusal) content.push({ type: "text", text: message.refusal });
    for (const call of message.tool_calls ?? []) {
      const input = parseToolArguments(call.function?.arguments, warnings);
      content.push({
        type: "tool-use",
        id: call.id || generateToolCallId(),
        name: call.function?.name ?? "",
        input,
      });
    }
  }
  return {
    value: {
      id: answer.id ?? "",
      model: answer.model ?? "",
      content,
      stopReason: message?.refusal ? "refusal" : mapOpenAiFinishReason(choice?.finish_reason),
      usage: convertOpenAiUsage(answer.usage) ?? emptyUsage(),
    },
    warnings,
  };
}

/**
 * The answer as the schema reads it, or null when it is not one. Every answer the schema takes
 * is checked here by hand and read in place (the schema copies every object of it: ~1 kB of
 * garbage and ~1 µs per request, issue 20); the schema still has the last word on the rest.
 */
function readChatCompletion(body: unknown): ChatCompletion | null {
  if (isChatCompletion(body)) return body as ChatCompletion;
  const parsed = v.safeParse(responseSchema, body);
  return parsed.success ? parsed.output : null;
}

/**
 * What `responseSchema` takes, judged by hand: objects as valibot's (any non-null object, arrays
 * included), each declared field absent, nullish or of its type. A field is read directly: an
 * absent one reads as undefined, which the schema's `key in input` would have skipped anyway.
 */
export function isChatCompletion(body: unknown): boolean {
  if (!isObject(body) || !isNullishOrString(body.id) || !isNullishOrString(body.model))
    return false;
  const choices = body.choices;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) {
    if (!isObject(choice) || !isNullishOrString(choice.finish_reason)) return false;
    const message = choice.message;
    if (message === null || message === undefined) continue;
    if (!isObject(message) || !isNullishOrString(message.refusal)) return false;
    const calls = message.tool_calls;
    if (calls === null || calls === undefined) continue;
    if (!Array.isArray(calls)) return false;
    for (const call of calls) {
      if (!isObject(call) || !isNullishOrString(call.id)) return false;
      const fn = call.function;
      if (fn === null || fn === undefined) continue;
      if (!isObject(fn) || !isNullishOrString(fn.name)) return false;
    }
  }
  return true;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;
const isNullishOrString = (value: unknown) =>
  value === null || value === undefined || typeof value === "string";

/** `content` is a string for OpenAI; Mistral sends an array of text and thinking parts. */
function pushContent(value: unknown, content: AssistantContent[]): void {
  if (typeof value === "string") {
    if (value !== "") content.push({ type: "text", text: value });
    return;
  }
  if (!Array.isArray(value)) return;
  for (const part of value) {
    if (!isRecord(part)) continue;
    if (part.type === "text" && typeof part.text === "string") {
      content.push({ type: "text", text: part.text });
    } else if (part.type === "thinking") {
      const text = thinkingText(part.thinking);
      if (text !== "") content.push({ type: "thinking", text });
    }
  }
}

/** Mistral's `thinking` is a string or an array of text parts. */
export function thinkingText(value: unknown): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return "";
  let text = "";
  for (const part of value) {
    if (isRecord(part) && typeof part.text === "string") text += part.text;
  }
  return text;
}

/**
 * Arguments arrive as a JSON string. Empty means no arguments; a string that is not JSON is kept
 * as it is (the OpenAI surface sends it back verbatim) with a warning.
 */
export function parseToolArguments(value: unknown, warnings: ConversionWarning[]): unknown {
  if (typeof value !== "string") return value ?? {};
  if (value.trim() === "") return {};
  try {
    return JSON.parse(value);
  } catch {
    warnings.push({
      type: "lossy-conversion",
      subject: "tool_calls.arguments",
      message: "tool call arguments are not valid JSON; kept as a string",
    });
    return value;
  }
}

export function generateToolCallId(): string {
  return `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
