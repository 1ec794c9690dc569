// Canonical request → Converse body. Sampling goes in inferenceConfig; what only some model
// families take (Claude's thinking, top_k, anthropic-beta) goes in
// additionalModelRequestFields, which Bedrock hands to the model as is.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { type ConversionWarning, type Converted, dropped } from "#shared/canonical/warnings.ts";
import type { ConverseBody, SystemBlock } from "./converse-types.ts";
import { cachePoint } from "./convert-media.ts";
import { convertMessages } from "./convert-messages.ts";
import { convertTools } from "./convert-tools.ts";
import { isClaudeModel } from "./model-family.ts";

const TARGET = "Bedrock Converse";

/** Claude's budget by OpenAI-style effort, when the client gave an effort and no budget. */
const BUDGET_BY_EFFORT = { minimal: 1024, low: 2048, medium: 4096, high: 16384 } as const;
const MINIMUM_BUDGET = 1024;

export function convertRequest(request: CanonicalRequest): Converted<ConverseBody> {
  const warnings: ConversionWarning[] = [];
  const messages = convertMessages(request.messages, request.model);
  warnings.push(...messages.warnings);
  const body: ConverseBody = { messages: messages.value };

  const system: SystemBlock[] = [];
  for (const block of request.system) {
    if (block.text.trim() === "") continue;
    system.push({ text: block.text }, ...cachePoint(block.cacheControl));
  }
  if (system.length > 0) body.system = system;

  const inference: NonNullable<ConverseBody["inferenceConfig"]> = {};
  if (request.maxTokens !== undefined) inference.maxTokens = request.maxTokens;
  if (request.temperature !== undefined) inference.temperature = request.temperature;
  if (request.topP !== undefined) inference.topP = request.topP;
  if (request.stopSequences && request.stopSequences.length > 0)
    inference.stopSequences = request.stopSequences;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const toolConfig = convertTools(request, warnings);
  if (toolConfig) body.toolConfig = toolConfig;

  const additional = additionalFields(request, warnings);
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;

  if (request.presencePenalty !== undefined) warnings.push(dropped("presence_penalty", TARGET));
  if (request.frequencyPenalty !== undefined) warnings.push(dropped("frequency_penalty", TARGET));
  if (request.user !== undefined) warnings.push(dropped("user", TARGET));
  for (const field of Object.keys(request.openAiOnly)) warnings.push(dropped(field, TARGET));
  return { value: body, warnings };
}

function additionalFields(
  request: CanonicalRequest,
  warnings: ConversionWarning[],
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const claude = isClaudeModel(request.model);
  const onlyClaude = (subject: string) =>
    warnings.push({
      type: "unsupported-field",
      subject,
      message: `${subject} is forwarded to Claude models on Bedrock only; dropped for ${request.model}`,
    });

  const { thinking } = request;
  if (thinking?.enabled) {
    if (claude) fields.thinking = { type: "enabled", budget_tokens: thinkingBudget(request) };
    else onlyClaude("thinking");
  }
  if (request.topK !== undefined) {
    if (claude) fields.top_k = request.topK;
    else onlyClaude("top_k");
  }
  for (const [name, value] of Object.entries(request.forwardHeaders)) {
    const header = name.toLowerCase();
    // Converse speaks to Claude in its own protocol version; the client's has no place here.
    if (header === "anthropic-version") continue;
    if (header === "anthropic-beta" && claude) {
      fields.anthropic_beta = value
        .split(",")
        .map((beta) => beta.trim())
        .filter(Boolean);
      continue;
    }
    warnings.push(dropped(`header ${header}`, TARGET));
  }
  return fields;
}

function thinkingBudget(request: CanonicalRequest): number {
  const given = request.thinking?.budgetTokens;
  if (given !== undefined) return given;
  const byEffort = BUDGET_BY_EFFORT[request.thinking?.effort ?? "medium"];
  // Claude wants the budget below max_tokens; keep the derived one there when it can be.
  const ceiling = request.maxTokens === undefined ? byEffort : request.maxTokens - 1;
  return Math.max(MINIMUM_BUDGET, Math.min(byEffort, ceiling));
}
