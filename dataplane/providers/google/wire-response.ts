// What we read from Gemini's answers: a GenerateContentResponse (whole, or one SSE chunk of a
// stream) and the error body. Lenient: only the fields we read, all nullish, unknown ones pass.
import * as v from "valibot";

const partialArgSchema = v.looseObject({
  jsonPath: v.nullish(v.string()),
  stringValue: v.nullish(v.string()),
  numberValue: v.nullish(v.number()),
  boolValue: v.nullish(v.boolean()),
  nullValue: v.nullish(v.unknown()),
  willContinue: v.nullish(v.boolean()),
});

const functionCallSchema = v.looseObject({
  id: v.nullish(v.string()),
  name: v.nullish(v.string()),
  args: v.nullish(v.unknown()),
  /** Streamed arguments (`streamFunctionCallArguments`): values by JSON path, strings in pieces. */
  partialArgs: v.nullish(v.array(partialArgSchema)),
  /** More parts of this call follow in later chunks. */
  willContinue: v.nullish(v.boolean()),
});

const partSchema = v.looseObject({
  text: v.nullish(v.string()),
  thought: v.nullish(v.boolean()),
  thoughtSignature: v.nullish(v.string()),
  functionCall: v.nullish(functionCallSchema),
  inlineData: v.nullish(v.looseObject({ mimeType: v.nullish(v.string()) })),
  fileData: v.nullish(v.unknown()),
  executableCode: v.nullish(v.unknown()),
  codeExecutionResult: v.nullish(v.unknown()),
});

export const usageMetadataSchema = v.looseObject({
  promptTokenCount: v.nullish(v.number()),
  candidatesTokenCount: v.nullish(v.number()),
  cachedContentTokenCount: v.nullish(v.number()),
  thoughtsTokenCount: v.nullish(v.number()),
  toolUsePromptTokenCount: v.nullish(v.number()),
});

const errorDetailSchema = v.looseObject({
  "@type": v.nullish(v.string()),
  retryDelay: v.nullish(v.string()),
  reason: v.nullish(v.string()),
});

export const errorBodySchema = v.looseObject({
  code: v.nullish(v.number()),
  message: v.nullish(v.string()),
  status: v.nullish(v.string()),
  details: v.nullish(v.array(errorDetailSchema)),
});

const candidateSchema = v.looseObject({
  content: v.nullish(v.looseObject({ parts: v.nullish(v.array(partSchema)) })),
  finishReason: v.nullish(v.string()),
});

export const generateContentResponseSchema = v.looseObject({
  candidates: v.nullish(v.array(candidateSchema)),
  promptFeedback: v.nullish(v.looseObject({ blockReason: v.nullish(v.string()) })),
  usageMetadata: v.nullish(usageMetadataSchema),
  modelVersion: v.nullish(v.string()),
  responseId: v.nullish(v.string()),
  /** A stream can end with an error object in place of a chunk. */
  error: v.nullish(errorBodySchema),
});

export type GeminiPartReceived = v.InferOutput<typeof partSchema>;
export type GeminiFunctionCallReceived = v.InferOutput<typeof functionCallSchema>;
export type GeminiPartialArg = v.InferOutput<typeof partialArgSchema>;
export type GeminiUsageMetadata = v.InferOutput<typeof usageMetadataSchema>;
export type GeminiErrorBody = v.InferOutput<typeof errorBodySchema>;
export type GenerateContentResponse = v.InferOutput<typeof generateContentResponseSchema>;
