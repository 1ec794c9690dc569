// A response an upstream runs in the background costs nothing when it is created (it has not run
// yet): its usage arrives when it ends. The gateway charges it then, the first time it reads the
// ended response from the upstream (a retrieve, a cancel, a replayed stream), to the budgets the
// creating request was admitted against, at the org's price for the model.
import { costUsd } from "#shared/pricing/cost.ts";
import type { DataPlaneContext } from "../../context.ts";
import { modelInfoFor } from "../../snapshot/model-info.ts";
import type { RuntimeConfig } from "../../snapshot/runtime-config.ts";
import type { StoredResponse } from "./stored-response.ts";
import { readResponsesUsage } from "./usage.ts";

const FINISHED = new Set(["completed", "incomplete", "failed", "cancelled"]);

export function isFinished(response: Record<string, unknown>): boolean {
  return typeof response.status === "string" && FINISHED.has(response.status);
}

/**
 * The record to store now that `latest` was read, and the charge to make once that record is
 * stored (null when nothing is due: not ended, already charged, no budgets).
 */
export function settleBackground(
  record: StoredResponse,
  latest: Record<string, unknown>,
  context: DataPlaneContext,
  config: RuntimeConfig,
  orgId: string,
): { record: StoredResponse; charge: (() => void) | null } {
  const next = { ...record, response: latest as StoredResponse["response"] };
  const billing = record.billing;
  if (!billing || billing.charged || !isFinished(latest)) return { record: next, charge: null };
  const usage = readResponsesUsage(latest.usage);
  const charged = { ...next, billing: { ...billing, charged: true } };
  if (!usage || billing.spend_keys.length === 0) return { record: charged, charge: null };
  const info = modelInfoFor(config, orgId, record.provider.vendor, billing.model);
  const cost = costUsd(usage, info.price);
  return { record: charged, charge: () => context.budgets.record(billing.spend_keys, cost) };
}
