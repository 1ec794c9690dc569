// POST /v1/embeddings: deterministic unit vectors that preserve similarity (common/text-embedding.ts:
// hashed words and character trigrams, seeded by the model), `dimensions`
// honoured (default 1536; 3072 for *-3-large as OpenAI does), float or base64 encoding.
import * as v from "valibot";
import { openEndpoint, waitBeforeAnswer } from "../../common/endpoint.ts";
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { textEmbedding } from "../../common/text-embedding.ts";
import { countTokens } from "../../common/tokens.ts";
import { describeIssue } from "../../common/validation.ts";
import { openAiEndpoint } from "./api.ts";
import { openAiInvalidRequest } from "./errors.ts";

const tokenArray = v.pipe(v.array(v.number()), v.minLength(1));

const embeddingsRequestSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "you must provide a model parameter")),
  input: v.union([
    v.pipe(v.string(), v.minLength(1, "must not be empty")),
    v.pipe(v.array(v.string()), v.minLength(1, "must not be empty")),
    tokenArray,
    v.pipe(v.array(tokenArray), v.minLength(1, "must not be empty")),
  ]),
  dimensions: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1)))),
  encoding_format: v.optional(v.nullable(v.picklist(["float", "base64"]))),
});

type EmbeddingsRequest = v.InferOutput<typeof embeddingsRequestSchema>;

export function defaultDimensions(model: string): number {
  return model.includes("3-large") ? 3072 : 1536;
}

/** Inputs as texts with their token counts; token arrays count one token per number. */
function inputsOf(request: EmbeddingsRequest): Array<{ text: string; tokens: number }> {
  const { input } = request;
  if (typeof input === "string") return [{ text: input, tokens: countTokens(input) }];
  if (input.every((item) => typeof item === "number")) {
    return [{ text: input.join(","), tokens: input.length }];
  }
  return input.map((item) =>
    typeof item === "string"
      ? { text: item, tokens: countTokens(item) }
      : { text: item.join(","), tokens: item.length },
  );
}

/** The simulator's embedding of one input: similar texts near, unrelated ones far. */
export function embeddingVector(model: string, text: string, dimensions: number): Float32Array {
  return textEmbedding(model, text, dimensions);
}

export function createEmbeddingsHandler(state: SimulatorState) {
  return async (request: Request): Promise<Response> => {
    const opened = await openEndpoint(request, state, openAiEndpoint);
    if (opened.kind === "answered") return opened.response;
    const parsed = v.safeParse(embeddingsRequestSchema, opened.body);
    if (!parsed.success) return openAiInvalidRequest(describeIssue(parsed.issues));
    const embeddings = parsed.output;
    const dimensions = embeddings.dimensions ?? defaultDimensions(embeddings.model);
    const base64 = embeddings.encoding_format === "base64";
    const inputs = inputsOf(embeddings);
    let promptTokens = 0;
    const data = inputs.map((input, index) => {
      promptTokens += input.tokens;
      const vector = embeddingVector(embeddings.model, input.text, dimensions);
      const embedding = base64 ? Buffer.from(vector.buffer).toString("base64") : Array.from(vector);
      return { object: "embedding", index, embedding };
    });
    await waitBeforeAnswer(opened.timing, true, 0);
    return jsonResponse(
      {
        object: "list",
        data,
        model: embeddings.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      },
      200,
      { "x-request-id": randomId("req_", 32) },
    );
  };
}
