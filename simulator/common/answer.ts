// Decides what the simulated model says, independent of any wire format: prose, JSON or a
// tool call, optional reasoning first, cut by the token limit or a stop sequence. Each
// format turns the plan into its own response body or stream.
import { valueFromSchema } from "./json-from-schema.ts";
import { createRandom, type Random, seededBase64, seedOf } from "./random.ts";
import { generateText } from "./text.ts";
import { countTokens, splitTokens } from "./tokens.ts";

export interface ToolDefinition {
  name: string;
  description: string;
  parameters: unknown;
}

export type ToolChoice =
  | { kind: "auto" }
  | { kind: "none" }
  | { kind: "required" }
  | { kind: "named"; name: string };

export type ResponseFormat =
  | { kind: "text" }
  | { kind: "json_object" }
  | { kind: "json_schema"; schema: unknown };

/** What every format's request boils down to for answering. */
export interface AnswerRequest {
  /** The conversation (and model), serialized; the only source of the seed. */
  seedText: string;
  lastUserText: string;
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  responseFormat: ResponseFormat;
  /** The output limit, reasoning included; undefined = no limit. */
  maxTokens: number | undefined;
  stopSequences: string[];
  /** Reasoning before the answer, bounded by a budget of tokens when one is given. */
  reasoning: { budgetTokens: number | undefined } | undefined;
}

export type Finish = "stop" | "length" | "stop_sequence" | "tool_call";

export interface Reasoning {
  text: string;
  tokens: number;
  signature: string;
}

export type AnswerContent =
  | { kind: "text"; text: string; pieces: string[] }
  | { kind: "tool_call"; name: string; argumentsJson: string; pieces: string[] };

export interface Answer {
  reasoning: Reasoning | undefined;
  content: AnswerContent;
  /** Output tokens: reasoning + text, or reasoning + tool name + arguments. */
  outputTokens: number;
  finish: Finish;
  /** The stop sequence that ended the text, when finish is "stop_sequence". */
  stopSequence: string | undefined;
}

const MENTIONS_TOOL_TOPIC = /\bweather\b/i;

export function planAnswer(request: AnswerRequest): Answer {
  const random = createRandom(seedOf(request.seedText));
  const reasoning = request.reasoning ? planReasoning(random, request) : undefined;
  const reasoningTokens = reasoning?.tokens ?? 0;
  const tool = chooseTool(request);
  if (tool) {
    const argumentsJson = JSON.stringify(
      valueFromSchema(tool.parameters, random, { requiredOnly: true }),
    );
    const pieces = splitTokens(argumentsJson);
    const outputTokens = reasoningTokens + countTokens(tool.name) + pieces.length;
    return {
      reasoning,
      content: { kind: "tool_call", name: tool.name, argumentsJson, pieces },
      outputTokens,
      finish: "tool_call",
      stopSequence: undefined,
    };
  }
  let text = fullText(random, request.responseFormat);
  let finish: Finish = "stop";
  let stopSequence: string | undefined;
  for (const sequence of request.stopSequences) {
    const at = sequence === "" ? -1 : text.indexOf(sequence);
    if (at >= 0) {
      text = text.slice(0, at);
      finish = "stop_sequence";
      stopSequence = sequence;
    }
  }
  let pieces = splitTokens(text);
  const room =
    request.maxTokens === undefined
      ? Number.POSITIVE_INFINITY
      : request.maxTokens - reasoningTokens;
  if (pieces.length > room) {
    pieces = pieces.slice(0, Math.max(0, room));
    text = pieces.join("");
    finish = "length";
    stopSequence = undefined;
  }
  return {
    reasoning,
    content: { kind: "text", text, pieces },
    outputTokens: reasoningTokens + countTokens(text),
    finish,
    stopSequence,
  };
}

function planReasoning(random: Random, request: AnswerRequest): Reasoning {
  const limits = [random.between(16, 48)];
  if (request.reasoning?.budgetTokens !== undefined) limits.push(request.reasoning.budgetTokens);
  // Leave room for at least one token of answer when the limit allows it.
  if (request.maxTokens !== undefined) limits.push(Math.max(1, request.maxTokens - 1));
  const tokens = Math.max(1, Math.min(...limits));
  const text = generateText(random, tokens);
  return { text, tokens: countTokens(text), signature: seededBase64(random, 96) };
}

function fullText(random: Random, format: ResponseFormat): string {
  const tokenCount = random.between(20, 80);
  switch (format.kind) {
    case "json_object":
      return JSON.stringify({ answer: generateText(random, Math.max(1, tokenCount - 8)) });
    case "json_schema":
      return JSON.stringify(valueFromSchema(format.schema, random, { requiredOnly: false }));
    default:
      return generateText(random, tokenCount);
  }
}

/** A tool is called when one is forced, or when tools are offered and the user asks about weather. */
function chooseTool(request: AnswerRequest): ToolDefinition | undefined {
  const { tools, toolChoice } = request;
  if (tools.length === 0 || toolChoice.kind === "none") return undefined;
  if (toolChoice.kind === "named")
    return tools.find((tool) => tool.name === toolChoice.name) ?? tools[0];
  if (toolChoice.kind === "auto" && !MENTIONS_TOOL_TOPIC.test(request.lastUserText))
    return undefined;
  const topical = tools.find((tool) =>
    MENTIONS_TOOL_TOPIC.test(`${tool.name} ${tool.description}`),
  );
  return topical ?? tools[0];
}
