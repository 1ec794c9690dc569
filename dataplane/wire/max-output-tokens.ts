// The output-token field of every surface (`max_tokens`, `max_completion_tokens`): a whole number
// from 1 to 10,000,000. No model writes near the upper bound (the catalog's largest limit is
// 1,048,576); it is there so that an absurd value (2e8, 1e308) is a 400 naming the field, not a
// number the gateway computes with. What a budget reserves is bounded by the model's own limit.
import * as v from "valibot";

export const MAX_OUTPUT_TOKENS = 10_000_000;

export const maxOutputTokensSchema = v.pipe(
  v.number(),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
  v.maxValue(MAX_OUTPUT_TOKENS, `must be at most ${MAX_OUTPUT_TOKENS}`),
);
