// A scheduled experiment as modelux.ai's guide writes it (docs/guides/scheduled-experiments,
// docs/compatibility.md): camelCase fields are aliases of ours, the candidate as an experiment's
// (`candidatePolicy`, `provider_credential_id`: modules/experiments/published-body.ts), and the
// path `/scheduled_experiments` beside ours.
import { EXPERIMENT_FIELD_ALIASES } from "../experiments/published-body.ts";

export const SCHEDULE_FIELD_ALIASES = {
  ...EXPERIMENT_FIELD_ALIASES,
  cronExpression: "cron_expression",
  windowHours: "window_hours",
} as const;

/** The documented collection path; ours is kebab-case like every other. */
export const PUBLISHED_PATH = "/scheduled_experiments";
