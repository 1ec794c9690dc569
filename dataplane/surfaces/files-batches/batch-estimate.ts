// What a batch may cost before it runs, at the batch price (shared/pricing/batch-price.ts): per
// request, its input (about four characters a token over what the model reads) and its output
// bound (`max_tokens`, else the model's limit), as a synchronous request is reserved (DESIGN §7).
// Requests are added one at a time, so a batch of any size is estimated in constant memory.
import { batchPrice } from "#shared/pricing/batch-price.ts";
import { estimateCostUsd } from "#shared/pricing/cost.ts";
import { outputBound } from "../../budgets/enforce.ts";
import { modelInfoFor } from "../../snapshot/model-info.ts";
import type { RuntimeConfig } from "../../snapshot/runtime-config.ts";

export interface BatchEstimate {
  requests: number;
  usd: number;
}

/** The fields of a request body the estimate reads (chat, messages, embeddings, responses). */
const INPUT_FIELDS = ["messages", "system", "tools", "input", "instructions", "prompt"] as const;
const MAX_TOKEN_FIELDS = ["max_tokens", "max_completion_tokens", "max_output_tokens"] as const;

export class BatchEstimator {
  readonly estimate: BatchEstimate = { requests: 0, usd: 0 };

  constructor(
    private readonly config: RuntimeConfig,
    private readonly orgId: string,
    private readonly vendor: string,
  ) {}

  /** One request's body; `embeddings`: no output is charged. */
  add(body: Record<string, unknown>, model: string, options: { embeddings?: boolean } = {}): void {
    let characters = 0;
    for (const field of INPUT_FIELDS) {
      const value = body[field];
      if (value !== undefined)
        characters += typeof value === "string" ? value.length : JSON.stringify(value).length;
    }
    const inputTokens = Math.max(1, Math.ceil(characters / 4));
    const info = modelInfoFor(this.config, this.orgId, this.vendor, model);
    let maxTokens: number | null = null;
    for (const field of MAX_TOKEN_FIELDS) {
      const value = body[field];
      if (typeof value === "number" && Number.isFinite(value) && value > 0) maxTokens = value;
    }
    const outputTokens = options.embeddings ? 0 : outputBound(info, maxTokens);
    this.estimate.requests += 1;
    this.estimate.usd += estimateCostUsd(batchPrice(info.price), inputTokens, outputTokens);
  }
}
