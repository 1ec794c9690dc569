// Every Management API operation, by feature. The REST routes, the OpenAPI document and the MCP
// tools are all generated from this one list.
import { analyticsOperations } from "../modules/analytics/index.ts";
import { apiKeyOperations } from "../modules/api-keys/index.ts";
import { auditLogOperations } from "../modules/audit-log/index.ts";
import { budgetOperations } from "../modules/budgets/index.ts";
import { cacheOperations } from "../modules/cache/index.ts";
import { experimentOperations } from "../modules/experiments/index.ts";
import { logOperations } from "../modules/logs/index.ts";
import { managementKeyOperations } from "../modules/management-keys/index.ts";
import { memberOperations } from "../modules/members/index.ts";
import { orgOperations } from "../modules/orgs/index.ts";
import { predictionAccuracyOperations } from "../modules/prediction-accuracy/index.ts";
import { priceOverrideOperations } from "../modules/price-overrides/index.ts";
import { projectOperations } from "../modules/projects/index.ts";
import { providerHealthOperations } from "../modules/provider-health/index.ts";
import { providerOperations } from "../modules/providers/index.ts";
import { routingConfigOperations } from "../modules/routing-configs/index.ts";
import { scheduledExperimentOperations } from "../modules/scheduled-experiments/index.ts";
import { setupStatusOperations } from "../modules/setup-status/index.ts";
import { webhookDeliveryOperations } from "../modules/webhook-deliveries/index.ts";
import { webhookOperations } from "../modules/webhooks/index.ts";
import type { Operation } from "./operation.ts";

export const FEATURES: Record<string, Operation[]> = {
  "setup-status": setupStatusOperations,
  orgs: orgOperations,
  members: memberOperations,
  projects: projectOperations,
  "api-keys": apiKeyOperations,
  "management-keys": managementKeyOperations,
  providers: providerOperations,
  "provider-health": providerHealthOperations,
  "routing-configs": routingConfigOperations,
  cache: cacheOperations,
  budgets: budgetOperations,
  "price-overrides": priceOverrideOperations,
  webhooks: webhookOperations,
  "webhook-deliveries": webhookDeliveryOperations,
  "audit-log": auditLogOperations,
  logs: logOperations,
  analytics: analyticsOperations,
  "prediction-accuracy": predictionAccuracyOperations,
  experiments: experimentOperations,
  "scheduled-experiments": scheduledExperimentOperations,
};

export const OPERATIONS: Operation[] = Object.values(FEATURES).flat();
