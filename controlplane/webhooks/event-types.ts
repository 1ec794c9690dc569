// The webhook events of DESIGN §10. Endpoints subscribe to some of them, or to "*" for all.
// `webhook.test` is sent only by the `test` operation, to the one endpoint tested.
import * as v from "valibot";

export const WEBHOOK_EVENT_TYPES = [
  "budget.threshold_reached",
  "budget.exceeded",
  "budget.reset",
  "routing_config.created",
  "routing_config.updated",
  "routing_config.deleted",
  "provider.health_changed",
  "api_key.revoked",
  "request.anomaly_detected",
  "experiment.completed",
  "experiment.regression_detected",
  "experiment.validated",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number] | "webhook.test";

export const WEBHOOK_EVENT_DESCRIPTIONS: Record<(typeof WEBHOOK_EVENT_TYPES)[number], string> = {
  "budget.threshold_reached":
    "A budget's spend crossed one of its soft thresholds (once per period).",
  "budget.exceeded": "A budget's spend reached its cap (once per period).",
  "budget.reset": "An admin reset a budget's spend in its current period.",
  "routing_config.created": "A routing config was created (or re-created after deletion).",
  "routing_config.updated": "A routing config got a new version (a save or a rollback).",
  "routing_config.deleted": "A routing config was deleted.",
  "provider.health_changed": "A provider's health changed (open or closed circuit, failed check).",
  "api_key.revoked": "A proxy API key was revoked.",
  "request.anomaly_detected":
    "A route's cost per request, error rate or latency spiked against its recent baseline.",
  "experiment.completed":
    "An experiment, or a scheduled experiment's run, finished (every run), with its verdict.",
  "experiment.regression_detected":
    "An experiment failed its success criteria; for a scheduled experiment, once per regression " +
    "(the first failing run, with a signal_key), not again until a run passes.",
  "experiment.validated":
    "A promoted experiment's prediction was checked against what the promoted version served " +
    "(or could not be: insufficient_data, superseded).",
};

export const subscribableEventSchema = v.picklist(
  [...WEBHOOK_EVENT_TYPES, "*"],
  `must be one of ${WEBHOOK_EVENT_TYPES.join(", ")} or "*"`,
);
