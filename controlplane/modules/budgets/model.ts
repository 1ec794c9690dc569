// Budgets (DESIGN §7): a cap on spend over a period for a scope, soft thresholds that warn, and
// what happens at the cap. Data planes enforce; spend is aggregated by controlplane/budgets.
import * as v from "valibot";
import {
  idSchema,
  nameSchema,
  nullableTimestamp,
  paginationEntries,
  timestampSchema,
} from "../../api/schemas.ts";

export const SCOPE_TYPES = ["org", "project", "route", "customer", "feature"] as const;
export const PERIODS = ["daily", "weekly", "monthly", "custom"] as const;
export const ACTIONS = ["block", "downgrade", "warn_only"] as const;
export const FAIL_MODES = ["open", "closed"] as const;

const scopeSchema = v.pipe(
  v.strictObject({
    type: v.picklist(SCOPE_TYPES, `must be one of ${SCOPE_TYPES.join(", ")}`),
    value: v.optional(
      v.pipe(
        v.string(),
        v.minLength(1),
        v.maxLength(500),
        v.description("project: its id; route: a config slug; customer: an end user; feature: k=v"),
      ),
    ),
  }),
  v.description("What the budget counts: the whole org, a project, a route, a customer or a tag."),
);

const thresholdsSchema = v.pipe(
  v.array(v.pipe(v.number(), v.gtValue(0), v.ltValue(1))),
  v.maxLength(10),
  v.check((list) => new Set(list).size === list.length, "must not repeat a threshold"),
  v.description("Fractions of the cap that send budget.threshold_reached, e.g. [0.5, 0.8]."),
);

const targetSchema = v.union([
  v.pipe(v.string(), v.minLength(1), v.maxLength(300)),
  v.strictObject({ model: v.pipe(v.string(), v.minLength(1)), provider: v.optional(v.string()) }),
]);

const capSchema = v.pipe(v.number(), v.gtValue(0), v.maxValue(1e12), v.description("USD"));

const currentPeriodView = v.pipe(
  v.object({
    start: timestampSchema,
    resets_at: timestampSchema,
    reset_at: v.pipe(
      nullableTimestamp,
      v.description(
        "When an admin reset this period's spend by hand (reset_budget_period); spend, " +
          "thresholds and the forecast count from then. Null when it was not reset.",
      ),
    ),
    spend_usd: v.pipe(
      v.number(),
      v.description("Fleet-wide spend so far this period (since reset_at, if set), USD."),
    ),
    used_pct: v.pipe(
      v.number(),
      v.description(
        "Spend over cap as a fraction, four places (0.85 = 85 %), like budget.used_pct.",
      ),
    ),
  }),
  v.description(
    "This period's window and spend as the control plane has aggregated it (up to ~1 s behind).",
  ),
);

const forecastView = v.pipe(
  v.object({
    method: v.pipe(
      v.literal("linear_period_to_date"),
      v.description("Rate = spend so far / time elapsed in the period, extended to its end."),
    ),
    rate_usd_per_day: v.pipe(v.number(), v.description("Spend rate over the period so far.")),
    projected_spend_usd: v.pipe(
      v.number(),
      v.description("Spend at the period's end (resets_at) if the rate holds."),
    ),
    projected_used_pct: v.pipe(
      v.number(),
      v.description("projected_spend_usd over cap as a fraction, four places."),
    ),
    cap_reached_at: v.pipe(
      nullableTimestamp,
      v.description(
        "When spend reaches the cap at this rate, if before the period resets; null when the " +
          "projection stays under the cap or the cap is already reached (used_pct >= 1).",
      ),
    ),
  }),
  v.description("The current period's projection (docs/budgets.md, Forecast)."),
);

export const budgetView = v.object({
  id: idSchema("The budget's id."),
  name: v.string(),
  project_id: v.nullable(v.string()),
  scope: v.object({ type: v.picklist(SCOPE_TYPES), value: v.nullable(v.string()) }),
  period: v.picklist(PERIODS),
  custom_period_seconds: v.nullable(v.number()),
  period_anchor: nullableTimestamp,
  cap_usd: v.number(),
  soft_thresholds: v.array(v.number()),
  action: v.picklist(ACTIONS),
  downgrade_to: v.nullable(v.unknown()),
  fail_mode: v.picklist(FAIL_MODES),
  stale_after_ms: v.number(),
  enabled: v.boolean(),
  current_period: currentPeriodView,
  forecast: forecastView,
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type BudgetView = v.InferOutput<typeof budgetView>;

export const budgetEventView = v.object({
  id: v.string(),
  budget_id: v.string(),
  type: v.pipe(
    v.picklist(["threshold_reached", "exceeded", "reset"]),
    v.description(
      "threshold_reached, exceeded (the cap), or reset (an admin reset the period's spend).",
    ),
  ),
  threshold: v.pipe(
    v.number(),
    v.description("The threshold reached; 1 for the cap, 0 for a reset."),
  ),
  period_start: v.pipe(
    timestampSchema,
    v.description("The period's start, or the last reset by hand before the event."),
  ),
  spend_usd: v.pipe(
    v.number(),
    v.description("The spend then; for a reset, the spend it set back to zero."),
  ),
  created_at: timestampSchema,
});

export const budgetParams = v.object({ budget_id: idSchema("The budget's id.") });
export const listBudgetsQuery = v.object({
  ...paginationEntries,
  project_id: v.optional(v.string()),
  scope_type: v.optional(v.picklist(SCOPE_TYPES)),
});
export const listBudgetEventsQuery = v.object(paginationEntries);

const commonFields = {
  name: nameSchema,
  project_id: v.optional(
    v.pipe(v.string(), v.description("Narrows route, customer and feature budgets to a project.")),
  ),
  custom_period_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60))),
  period_anchor: v.optional(v.pipe(v.string(), v.isoTimestamp())),
  soft_thresholds: v.optional(thresholdsSchema),
  action: v.optional(v.picklist(ACTIONS, `must be one of ${ACTIONS.join(", ")}`)),
  downgrade_to: v.optional(
    v.pipe(targetSchema, v.description("The cheaper target a downgrade budget serves with.")),
  ),
  fail_mode: v.optional(
    v.pipe(
      v.picklist(FAIL_MODES),
      v.description("When a node's view of spend is stale: serve (open) or refuse (closed)."),
    ),
  ),
  stale_after_ms: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(3_600_000)),
  ),
  enabled: v.optional(v.boolean()),
};

export const createBudgetBody = v.strictObject({
  ...commonFields,
  scope: scopeSchema,
  period: v.picklist(PERIODS, `must be one of ${PERIODS.join(", ")}`),
  cap_usd: capSchema,
});

export const updateBudgetBody = v.strictObject({
  name: v.optional(nameSchema),
  cap_usd: v.optional(capSchema),
  soft_thresholds: commonFields.soft_thresholds,
  action: commonFields.action,
  downgrade_to: v.optional(v.nullable(targetSchema)),
  fail_mode: commonFields.fail_mode,
  stale_after_ms: commonFields.stale_after_ms,
  enabled: commonFields.enabled,
});
