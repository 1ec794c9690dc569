// What cascade and ensemble read in a complete answer (its text, tool calls, whether it is a
// refusal, a JSON field), the usage total of several answers, and the request every judge call
// (cascade's judge_score, ensemble's llm_judge) is built on.
import type { AssistantContent, CanonicalMessage, UserContent } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse, CanonicalUsage } from "#shared/canonical/response.ts";
import { emptyUsage } from "#shared/canonical/response.ts";

/** Answers longer than this are never read as a refusal: a long answer that opens with a
 * caveat ("I can't help with X, but here is Y…") is still an answer. */
const REFUSAL_MAX_CHARS = 300;

const APOLOGY = String.raw`(?:(?:i'm|i am) sorry|sorry|unfortunately|i apologi[sz]e)[,.!]?\s+(?:but\s+)?`;
const CANNOT =
  "i(?: can't| cannot| can not| won't| will not|'m unable to| am unable to|'m not able to| am not able to| won't be able to| will not be able to)";
/**
 * The refusal patterns, matched case-insensitively at the start of a short answer (curly
 * apostrophes straightened, "im" not accepted for "I'm"):
 * 1. an apology followed by "I can't / cannot / won't / am unable to …" ("I'm sorry, but I can't");
 * 2. "I can't / cannot / won't (be able to) / am unable to" + help | assist | comply | fulfil |
 *    provide that | do that. "help" must not be followed by "but" ("I can't help but notice"),
 *    and nothing else is matched, so "I can't wait to help" or "I cannot stress enough" pass.
 */
const REFUSAL_PATTERNS: readonly RegExp[] = [
  new RegExp(`^${APOLOGY}${CANNOT}\\b`, "i"),
  new RegExp(`^${CANNOT} (?:help(?! but\\b)|assist|comply|fulfil|provide that|do that)\\b`, "i"),
];

/** The answer's text blocks, concatenated as the vendor split them (thinking excluded). */
export function answerText(response: CanonicalResponse): string {
  let text = "";
  for (const block of response.content) if (block.type === "text") text += block.text;
  return text;
}

export function toolCallCount(response: CanonicalResponse): number {
  return response.content.filter((block) => block.type === "tool-use").length;
}

/** Why the answer is a refusal, or null. A tool call is never a refusal. */
export function refusalOf(response: CanonicalResponse): string | null {
  if (response.stopReason === "refusal" || response.stopReason === "content_filter") {
    return `refusal (stop reason ${response.stopReason})`;
  }
  if (toolCallCount(response) > 0) return null;
  const text = answerText(response)
    .trim()
    .replace(/[\u2018\u2019]/g, "'");
  if (text.length === 0 || text.length > REFUSAL_MAX_CHARS) return null;
  if (!REFUSAL_PATTERNS.some((pattern) => pattern.test(text))) return null;
  return `refusal: "${text.length > 60 ? `${text.slice(0, 60)}…` : text}"`;
}

export function sumUsage(responses: CanonicalResponse[]): CanonicalUsage {
  const total = emptyUsage();
  for (const { usage } of responses) {
    total.inputTokens += usage.inputTokens;
    total.outputTokens += usage.outputTokens;
    total.cacheReadTokens += usage.cacheReadTokens;
    total.cacheWriteTokens += usage.cacheWriteTokens;
    total.reasoningTokens += usage.reasoningTokens;
  }
  return total;
}

/** The text inside one ``` or ```json fence wrapping the whole (trimmed) text, else the text. */
export function stripCodeFence(text: string): string {
  const fenced = /^```(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/i.exec(text.trim());
  return fenced?.[1] ?? text;
}

/** Room for `{"score": 0.85}` or `{"best": 2}` and a few stray words around it. */
export const JUDGE_MAX_TOKENS = 256;

/** Caps the judge's prompt; the end of the conversation (the question) is kept. */
const TRANSCRIPT_MAX_CHARS = 32_000;

/** The request fields every judge call shares; exported for the ensemble judge. */
export function judgeRequest(
  original: CanonicalRequest,
  judgeModel: string,
  system: string,
  prompt: string,
): CanonicalRequest {
  const request: CanonicalRequest = {
    model: judgeModel,
    system: [{ text: system }],
    messages: [{ role: "user", content: [{ type: "text", text: prompt }] }],
    tools: [],
    maxTokens: JUDGE_MAX_TOKENS,
    temperature: 0,
    stream: false,
    openAiOnly: {},
    forwardHeaders: {},
  };
  if (original.user !== undefined) request.user = original.user;
  return request;
}

/** The original system prompt and messages as plain text, the oldest part cut when too long. */
export function renderConversation(original: CanonicalRequest): string {
  const parts: string[] = [];
  const system = original.system.map((block) => block.text).join("\n");
  if (system.trim().length > 0) parts.push(`[system]\n${system}`);
  for (const message of original.messages) parts.push(renderMessage(message));
  const transcript = parts.join("\n\n");
  if (transcript.length <= TRANSCRIPT_MAX_CHARS) return transcript;
  return `[… earlier conversation omitted …]\n${transcript.slice(-TRANSCRIPT_MAX_CHARS)}`;
}

function renderMessage(message: CanonicalMessage): string {
  if (message.role === "assistant") return `[assistant]\n${renderContent(message.content)}`;
  return `[user]\n${message.content.map(renderUserBlock).join("\n")}`;
}

function renderUserBlock(block: UserContent): string {
  switch (block.type) {
    case "text":
      return block.text;
    case "image":
      return "[image]";
    case "document":
      return `[document${block.title ? `: ${block.title}` : ""}]`;
    case "tool-result": {
      const body = block.content.map((item) => (item.type === "text" ? item.text : "[image]"));
      return `[tool result${block.isError ? " (error)" : ""}]\n${body.join("\n")}`;
    }
  }
}

/** Assistant content as text: thinking is left out, tool calls shown as name(arguments). */
export function renderContent(content: AssistantContent[]): string {
  const lines: string[] = [];
  for (const block of content) {
    if (block.type === "text") lines.push(block.text);
    if (block.type === "tool-use") {
      lines.push(`[tool call] ${block.name}(${JSON.stringify(block.input ?? {})})`);
    }
  }
  return lines.join("\n");
}

/**
 * The value of `field` in the last JSON object of `text` that has it: the whole text parsed as
 * JSON first, then each `{…}` without nested braces. Undefined when none has the field.
 */
export function lastJsonField(text: string, field: string): unknown {
  const candidates = [
    text,
    ...[...text.matchAll(/\{[^{}]*\}/g)].map((match) => match[0]).reverse(),
  ];
  for (const candidate of candidates) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (typeof parsed === "object" && parsed !== null && field in parsed) {
      return (parsed as Record<string, unknown>)[field];
    }
  }
  return undefined;
}
