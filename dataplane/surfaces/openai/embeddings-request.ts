// What a client may send to /openai/v1/embeddings, checked before anything goes upstream: the
// fields OpenAI defines, with OpenAI's bounds (2,048 inputs) and sane ones where it has none, so
// `dimensions: 1e9` or 100k inputs are a 400 naming the field instead of an upstream's problem.
// Other top-level fields go upstream untouched, as on chat.
import * as v from "valibot";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { validationError } from "../../wire/validation-error.ts";

/** OpenAI's limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;
/** Above every embedding model's output size (text-embedding-3-large: 3,072). */
export const MAX_EMBEDDING_DIMENSIONS = 16_384;
/** Tokens of one input: the longest context of embedding models in use (32k). */
export const MAX_INPUT_TOKENS = 32_768;
/** Characters of one text input: eight per token of that context. */
export const MAX_INPUT_CHARS = 8 * MAX_INPUT_TOKENS;
/** Token ids are 32-bit; beyond that a number is not a token. */
const MAX_TOKEN_ID = 2 ** 31 - 1;
const MAX_USER_CHARS = 1024;

const fieldsSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1)),
  dimensions: v.nullish(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_EMBEDDING_DIMENSIONS)),
  ),
  encoding_format: v.nullish(v.picklist(["float", "base64"])),
  user: v.nullish(v.pipe(v.string(), v.maxLength(MAX_USER_CHARS))),
});

/** Throws `invalid_request` naming the first field that is not an embeddings request's. */
export function checkEmbeddingsRequest(body: Record<string, unknown>): void {
  checkInput(body.input);
  const parsed = v.safeParse(fieldsSchema, body);
  if (!parsed.success) throw validationError(parsed.issues);
}

/**
 * A string, an array of strings, an array of token ids, or an array of token-id arrays. Checked
 * by hand, not as a valibot union: the first item decides the shape, so a 100k-item array is
 * refused on its length and a wrong item is named (`input[3]`) instead of every option's issues.
 */
function checkInput(input: unknown): void {
  if (input === undefined || input === null) throw invalid("input", "is required");
  if (typeof input === "string") {
    checkText(input, "input");
    return;
  }
  if (!Array.isArray(input)) {
    throw invalid("input", "expected a string, an array of strings or an array of token ids");
  }
  if (input.length === 0) throw invalid("input", "must not be empty");
  if (typeof input[0] === "number") {
    checkTokens(input, "input");
    return;
  }
  if (input.length > MAX_EMBEDDING_INPUTS) {
    throw invalid(
      "input",
      `at most ${MAX_EMBEDDING_INPUTS} inputs per request, received ${input.length}`,
    );
  }
  const texts = typeof input[0] === "string";
  if (!texts && !Array.isArray(input[0])) {
    throw invalid("input[0]", "expected a string, a token id or an array of token ids");
  }
  for (const [index, item] of input.entries()) {
    const field = `input[${index}]`;
    if (texts) {
      if (typeof item !== "string") throw invalid(field, "expected a string, like input[0]");
      checkText(item, field);
    } else {
      if (!Array.isArray(item))
        throw invalid(field, "expected an array of token ids, like input[0]");
      checkTokens(item, field);
    }
  }
}

function checkText(text: string, field: string): void {
  if (text.length === 0) throw invalid(field, "must not be empty");
  if (text.length > MAX_INPUT_CHARS) {
    throw invalid(field, `at most ${MAX_INPUT_CHARS} characters, received ${text.length}`);
  }
}

function checkTokens(tokens: unknown[], field: string): void {
  if (tokens.length === 0) throw invalid(field, "must not be empty");
  if (tokens.length > MAX_INPUT_TOKENS) {
    throw invalid(field, `at most ${MAX_INPUT_TOKENS} tokens, received ${tokens.length}`);
  }
  for (const [index, token] of tokens.entries()) {
    if (!Number.isInteger(token) || (token as number) < 0 || (token as number) > MAX_TOKEN_ID) {
      throw invalid(`${field}[${index}]`, `expected a token id (an integer 0 to ${MAX_TOKEN_ID})`);
    }
  }
}

function invalid(param: string, problem: string): GatewayError {
  return new GatewayError("invalid_request", `${param}: ${problem}`, { param });
}
