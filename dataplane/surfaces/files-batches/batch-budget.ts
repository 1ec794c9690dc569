// A batch is admitted like a request (DESIGN §7): every budget that applies (org, project,
// customer, feature; a passthrough batch names no routing config) is checked, and one the batch's
// estimate would take past its cap refuses it with the 402 (a downgrade cannot apply to a batch
// the vendor runs, so it refuses too; warn_only lets it through with its headers). Once the vendor
// has taken the batch, its estimate is charged as spend, sent to the fleet like any other: a batch
// runs for hours, longer than a node's in-memory reservation should live. Settlement later
// corrects it to the results' cost (batch-settlement.ts).
import { applicableBudgets } from "../../budgets/budget-index.ts";
import type { Reservation } from "../../budgets/budget-ledger.ts";
import { budgetExceededError, budgetHeaders, checkBudgets } from "../../budgets/enforce.ts";
import type { CallContext } from "./call-context.ts";

export interface BatchAdmission {
  reservation: Reservation | null;
  spendKeys: string[];
  headers: Record<string, string>;
}

export function admitBatch(call: CallContext, estimateUsd: number, nowMs: number): BatchAdmission {
  const { config, key, fields, context } = call;
  const budgets = applicableBudgets(config, {
    orgId: key.orgId,
    projectId: key.projectId,
    routeSlug: null,
    user: fields.user,
    tags: fields.tags,
  });
  const check = checkBudgets(context.budgets, budgets, nowMs);
  if (check.verdict.kind === "block")
    throw budgetExceededError(check.verdict.standing, check.verdict.why, nowMs);
  for (const standing of check.standings) {
    if (standing.budget.action === "warn_only") continue;
    const after = standing.spendUsd + estimateUsd;
    if (after > standing.budget.capUsd)
      // The body's spend is what the budget would reach with the batch.
      throw budgetExceededError({ ...standing, spendUsd: after }, "cap", nowMs);
  }
  const spendKeys = check.standings.map((standing) => standing.key);
  return {
    reservation: spendKeys.length > 0 ? context.budgets.reserve(spendKeys, estimateUsd) : null,
    spendKeys,
    headers: budgetHeaders(check),
  };
}

/** The vendor took the batch: its estimate becomes spend; refused, the reservation goes. */
export function endAdmission(
  call: CallContext,
  admission: BatchAdmission,
  accepted: boolean,
  estimateUsd: number,
): void {
  if (admission.reservation)
    call.context.budgets.settle(admission.reservation, accepted ? estimateUsd : 0, accepted);
}
