// How a with_responses experiment compares a candidate's answer with the recorded one
// (docs/experiments.md): the embedding model and similarity threshold, and the optional LLM
// judge. Declared once; the API validates it, the runner reads it with the defaults filled in.
import * as v from "valibot";

/** A cheap embedding model of the catalog; resolved like any bare model name. */
export const DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small";
/** Cosine at or above which two answers count as "the same answer" for this embedding model. */
export const DEFAULT_SIMILARITY_THRESHOLD = 0.9;
/** A with_responses experiment re-sends at most this many requests, 100 when not said. */
export const MAX_RESPONSE_SAMPLE = 1_000;
export const DEFAULT_RESPONSE_SAMPLE = 100;
/**
 * Where an experiment's comparison settings (as given) are stored: in its candidate summary's
 * JSON, which has room for them, rather than in a column of their own.
 */
export const RESPONSE_COMPARISON_KEY = "response_comparison";

const modelReference = (description: string) =>
  v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.description(description));

export const responseComparisonSchema = v.strictObject({
  embedding_model: v.optional(
    modelReference(
      `Embedding model (or @config) the similarity is computed with, through the gateway; default ${DEFAULT_EMBEDDING_MODEL}.`,
    ),
  ),
  similarity_threshold: v.optional(
    v.pipe(
      v.number(),
      v.minValue(-1),
      v.maxValue(1),
      v.description(
        `Cosine similarity at or above which an answer counts as similar; default ${DEFAULT_SIMILARITY_THRESHOLD}.`,
      ),
    ),
  ),
  judge: v.optional(
    v.strictObject({
      model: modelReference("The judge's model (or @config), called through the gateway."),
      prompt: v.optional(
        v.pipe(
          v.string(),
          v.minLength(1),
          v.maxLength(4000),
          v.description(
            'Replaces the default instructions; the judge must still answer {"verdict": "worse" | "same" | "better"}.',
          ),
        ),
      ),
    }),
  ),
});
export type ResponseComparisonInput = v.InferOutput<typeof responseComparisonSchema>;

/** The settings a run uses, defaults filled in; stored with the experiment. */
export interface ResponseComparison {
  embedding_model: string;
  similarity_threshold: number;
  judge: { model: string; prompt: string | null } | null;
}

export const responseComparisonView = v.object({
  embedding_model: v.string(),
  similarity_threshold: v.number(),
  judge: v.nullable(v.object({ model: v.string(), prompt: v.nullable(v.string()) })),
});

export function resolveResponseComparison(
  input: ResponseComparisonInput | null | undefined,
): ResponseComparison {
  return {
    embedding_model: input?.embedding_model ?? DEFAULT_EMBEDDING_MODEL,
    similarity_threshold: input?.similarity_threshold ?? DEFAULT_SIMILARITY_THRESHOLD,
    judge: input?.judge ? { model: input.judge.model, prompt: input.judge.prompt ?? null } : null,
  };
}

/** Stored settings read leniently: what is missing or malformed takes its default. */
export function readResponseComparison(stored: unknown): ResponseComparison {
  const parsed = v.safeParse(responseComparisonSchema, stored);
  return resolveResponseComparison(parsed.success ? parsed.output : null);
}
