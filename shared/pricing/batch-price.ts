// What a token costs in a vendor's batch API: the catalog's batch rates where it lists them, else
// half the standard rates (OpenAI's and Anthropic's published batch discount, docs/pricing.md).
// Cache and reasoning rates follow the input and output discount.
import type { ModelPrice } from "./catalog.ts";

/** The batch discount assumed where the catalog lists no batch rate. */
export const DEFAULT_BATCH_DISCOUNT = 0.5;

export function batchPrice(price: ModelPrice): ModelPrice {
  const inputFactor =
    price.batchInput !== null && price.input > 0
      ? price.batchInput / price.input
      : DEFAULT_BATCH_DISCOUNT;
  const outputFactor =
    price.batchOutput !== null && price.output > 0
      ? price.batchOutput / price.output
      : DEFAULT_BATCH_DISCOUNT;
  return {
    input: price.input * inputFactor,
    output: price.output * outputFactor,
    cacheRead: price.cacheRead * inputFactor,
    cacheWrite: price.cacheWrite * inputFactor,
    reasoning: price.reasoning * outputFactor,
    batchInput: price.batchInput,
    batchOutput: price.batchOutput,
  };
}
