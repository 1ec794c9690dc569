// A canonical request → Gemini's GenerateContentRequest body. What Gemini cannot carry is dropped
// with a warning (OpenAI-only fields, the end-user id, more than five stop sequences). Cache
// markers are dropped silently: Gemini caches prompt prefixes implicitly and reports the hits
// as cachedContentTokenCount; explicit caching is a separate resource (cachedContents), not a
// per-request marker. Headers meant for other vendors (anthropic-beta) are not forwarded.
import type { CanonicalRequest, ResponseFormat } from "#shared/canonical/request.ts";
import { type ConversionWarning, type Converted, dropped } from "#shared/canonical/warnings.ts";
import { cleanSchema } from "./clean-schema.ts";
import { convertMessages } from "./convert-messages.ts";
import { convertToolChoice, convertTools, schemaWarning } from "./convert-tools.ts";
import type { GeminiGenerationConfig, GenerateContentRequest } from "./wire-request.ts";

const TARGET = "Google Gemini";
const MAX_STOP_SEQUENCES = 5;

/** Thinking budgets for an effort level: Gemini takes a token budget, not a level, on every model. */
const BUDGET_BY_EFFORT = { minimal: 512, low: 1024, medium: 8192, high: 24576 } as const;

export function convertRequest(request: CanonicalRequest): Converted<GenerateContentRequest> {
  const warnings: ConversionWarning[] = [];
  const messages = convertMessages(request.messages);
  warnings.push(...messages.warnings);
  const body: GenerateContentRequest = { contents: messages.value };

  const system = request.system.filter((block) => block.text !== "");
  if (system.length > 0) body.systemInstruction = { parts: system.map(({ text }) => ({ text })) };

  if (request.tools.length > 0) {
    const tools = convertTools(request.tools);
    warnings.push(...tools.warnings);
    body.tools = [{ functionDeclarations: tools.value }];
    const toolConfig = convertToolChoice(request.toolChoice);
    warnings.push(...toolConfig.warnings);
    if (toolConfig.value) body.toolConfig = toolConfig.value;
  }

  const generationConfig = convertGenerationConfig(request, warnings);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;

  for (const field of Object.keys(request.openAiOnly)) warnings.push(dropped(field, TARGET));
  if (request.user !== undefined) warnings.push(dropped("user", TARGET));
  return { value: body, warnings };
}

function convertGenerationConfig(
  request: CanonicalRequest,
  warnings: ConversionWarning[],
): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  const stops = request.stopSequences ?? [];
  if (stops.length > 0) config.stopSequences = stops.slice(0, MAX_STOP_SEQUENCES);
  if (stops.length > MAX_STOP_SEQUENCES) {
    warnings.push({
      type: "lossy-conversion",
      subject: "stop_sequences",
      message: `Gemini takes at most ${MAX_STOP_SEQUENCES} stop sequences; the rest were dropped`,
    });
  }
  applyResponseFormat(request.responseFormat, config, warnings);
  const thinking = request.thinking;
  if (thinking?.enabled) {
    const budget =
      thinking.budgetTokens ?? (thinking.effort ? BUDGET_BY_EFFORT[thinking.effort] : undefined);
    config.thinkingConfig = {
      includeThoughts: true,
      ...(budget !== undefined ? { thinkingBudget: budget } : {}),
    };
  }
  return config;
}

function applyResponseFormat(
  format: ResponseFormat | undefined,
  config: GeminiGenerationConfig,
  warnings: ConversionWarning[],
): void {
  if (!format || format.type === "text") return;
  config.responseMimeType = "application/json";
  if (format.type !== "json-schema") return;
  const { schema, changed } = cleanSchema(format.schema);
  if (changed.length > 0) warnings.push(schemaWarning("response_format.schema", changed));
  if (schema) config.responseSchema = schema;
}
