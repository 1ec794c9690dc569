// The parts of a GenerateContentRequest the simulator reads (camelCase JSON, as Google's SDKs
// send it). Loose objects: fields we ignore pass; the ones we read are checked as the API would.
// Schemas in function declarations and responseSchema are checked apart (schema-check.ts).
import * as v from "valibot";

const part = v.looseObject({
  text: v.optional(v.string()),
  thought: v.optional(v.boolean()),
  thoughtSignature: v.optional(v.string()),
  inlineData: v.optional(v.looseObject({ mimeType: v.string(), data: v.string() })),
  fileData: v.optional(v.looseObject({ mimeType: v.optional(v.string()), fileUri: v.string() })),
  functionCall: v.optional(
    v.looseObject({ name: v.string(), args: v.optional(v.record(v.string(), v.unknown())) }),
  ),
  functionResponse: v.optional(
    v.looseObject({ name: v.string(), response: v.record(v.string(), v.unknown()) }),
  ),
});

const content = v.looseObject({
  role: v.optional(v.picklist(["user", "model"], "Please use a valid role: user, model.")),
  parts: v.array(part),
});

const functionDeclaration = v.looseObject({
  name: v.pipe(v.string(), v.minLength(1)),
  description: v.optional(v.string()),
  parameters: v.optional(v.record(v.string(), v.unknown())),
  parametersJsonSchema: v.optional(v.unknown()),
});

const tool = v.looseObject({ functionDeclarations: v.optional(v.array(functionDeclaration)) });

const toolConfig = v.looseObject({
  functionCallingConfig: v.optional(
    v.looseObject({
      mode: v.optional(v.picklist(["MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"])),
      allowedFunctionNames: v.optional(v.array(v.string())),
    }),
  ),
});

const generationConfig = v.looseObject({
  maxOutputTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  stopSequences: v.optional(
    v.pipe(v.array(v.string()), v.maxLength(5, "at most 5 stop sequences are allowed")),
  ),
  responseMimeType: v.optional(v.string()),
  responseSchema: v.optional(v.record(v.string(), v.unknown())),
  responseJsonSchema: v.optional(v.unknown()),
  thinkingConfig: v.optional(
    v.looseObject({
      thinkingBudget: v.optional(v.pipe(v.number(), v.integer())),
      includeThoughts: v.optional(v.boolean()),
      thinkingLevel: v.optional(v.string()),
    }),
  ),
});

const promptFields = {
  contents: v.pipe(v.array(content), v.minLength(1, "contents is not specified")),
  systemInstruction: v.optional(v.looseObject({ parts: v.array(part) })),
  tools: v.optional(v.array(tool)),
};

/** What a prompt is made of: the part countTokens reads. */
export const promptRequestSchema = v.looseObject(promptFields);

export const generateContentRequestSchema = v.looseObject({
  ...promptFields,
  toolConfig: v.optional(toolConfig),
  generationConfig: v.optional(generationConfig),
});

export type GenerateContentRequest = v.InferOutput<typeof generateContentRequestSchema>;
export type PromptRequest = v.InferOutput<typeof promptRequestSchema>;
export type GeminiContent = GenerateContentRequest["contents"][number];
export type GeminiPart = GeminiContent["parts"][number];
