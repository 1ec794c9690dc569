// What with_responses adds to an experiment and to the replay of one request, as the
// Management API shows it (docs/experiments.md).
import * as v from "valibot";

const interval = v.pipe(
  v.nullable(v.object({ low: v.number(), high: v.number() })),
  v.description("95% Wilson score interval, percent."),
);

const usdByCategory = v.object({ requests: v.number(), embeddings: v.number(), judge: v.number() });

export const responsesView = v.pipe(
  v.object({
    sample_size: v.number(),
    sampled: v.pipe(v.number(), v.description("Drawn from the requests that can be re-sent.")),
    sent: v.number(),
    skipped: v.pipe(
      v.record(v.string(), v.number()),
      v.description("Drawn but not re-sent, by reason."),
    ),
    coverage: v.pipe(
      v.record(v.string(), v.number()),
      v.description(
        "The window's matching requests by whether they can be re-sent (usable) and why not " +
          "(not_captured, answer_not_captured, baseline_failed, tools_not_captured, …).",
      ),
    ),
    stopped_by_spend_cap: v.boolean(),
    spend_cap_usd: v.number(),
    spent_usd: v.pipe(v.number(), v.description("Re-sent requests, embeddings and judge calls.")),
    spent_by: usdByCategory,
    candidate_errors: v.number(),
    similarity: v.object({
      model: v.string(),
      threshold: v.number(),
      compared: v.number(),
      failed: v.number(),
      mean: v.nullable(v.number()),
      above_threshold: v.number(),
      pct_above_threshold: v.nullable(v.number()),
      pct_above_threshold_ci95: interval,
      first_error: v.nullable(v.string()),
    }),
    judge: v.nullable(
      v.object({
        model: v.string(),
        judged: v.number(),
        worse: v.number(),
        same: v.number(),
        better: v.number(),
        failed: v.number(),
        worse_pct: v.nullable(v.number()),
        worse_pct_ci95: interval,
        first_error: v.nullable(v.string()),
      }),
    ),
    least_similar: v.array(
      v.object({
        request_id: v.string(),
        similarity: v.nullable(v.number()),
        verdict: v.nullable(v.string()),
        reason: v.nullable(v.string()),
      }),
    ),
    message: v.nullable(v.string()),
  }),
  v.description("with_responses: the re-sent sample, the spend and how the answers compare."),
);

/** The re-sent request of a single-request replay (`send: true`). */
export const resentView = v.object({
  status: v.number(),
  model: v.nullable(v.string()),
  provider: v.nullable(v.string()),
  cost_usd: v.number(),
  latency_ms: v.nullable(v.number()),
  answer: v.nullable(v.string()),
  baseline_answer: v.nullable(v.string()),
  similarity: v.nullable(
    v.object({ model: v.string(), value: v.nullable(v.number()), error: v.nullable(v.string()) }),
  ),
  judge: v.nullable(
    v.object({
      model: v.string(),
      verdict: v.nullable(v.string()),
      reason: v.nullable(v.string()),
      error: v.nullable(v.string()),
    }),
  ),
  spent_usd: v.pipe(v.number(), v.description("The request, its embedding and judge calls.")),
  trace: v.pipe(
    v.nullable(v.record(v.string(), v.unknown())),
    v.description("The re-sent request's decision trace; `replay` names what it replayed."),
  ),
  error: v.nullable(v.string()),
});
