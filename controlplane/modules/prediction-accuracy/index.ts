// How far experiment predictions were from what promoted versions then did (docs/experiments.md,
// "Prediction checked against reality").
import { defineOperation } from "../../api/operation.ts";
import { predictionAccuracyQuery, predictionAccuracyView } from "./model.ts";
import { predictionAccuracy } from "./service.ts";

export const predictionAccuracyOperations = [
  defineOperation({
    id: "get_prediction_accuracy",
    method: "GET",
    path: "/analytics/prediction-accuracy",
    summary: "How far experiment predictions were from what promoted configs then did",
    description:
      "Per metric (cost per request, p50 and p95 latency, error rate), the mean absolute " +
      "percentage error of the replay's prediction against what the promoted version served in " +
      "a comparable window, over the org's validated promotions; and one row per promotion with " +
      "its prediction, the actual figures and each error. Tells how far to trust a replay.",
    tag: "analytics",
    role: "viewer",
    query: predictionAccuracyQuery,
    output: predictionAccuracyView,
    handler: ({ tenant }, { query }) => predictionAccuracy(tenant, query),
  }),
];
