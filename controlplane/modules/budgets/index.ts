// Operations on budgets and their events.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView, isoRequired } from "../../api/schemas.ts";
import { summarize } from "../../budgets/budget-alerts.ts";
import {
  budgetEventView,
  budgetParams,
  budgetView,
  createBudgetBody,
  listBudgetEventsQuery,
  listBudgetsQuery,
  updateBudgetBody,
} from "./model.ts";
import {
  createBudget,
  deleteBudget,
  getBudget,
  listBudgetEvents,
  listBudgets,
  resetBudgetPeriod,
  updateBudget,
  viewBudget,
  viewBudgetWithSpend,
} from "./service.ts";

const tag = "budgets";

export const budgetOperations = [
  defineListOperation({
    id: "list_budgets",
    method: "GET",
    path: "/budgets",
    summary: "List budgets",
    tag,
    role: "viewer",
    query: listBudgetsQuery,
    output: budgetView,
    handler: ({ tenant }, { query }) => listBudgets(tenant, query),
  }),
  defineOperation({
    id: "get_budget",
    method: "GET",
    path: "/budgets/{budget_id}",
    summary: "Get a budget",
    tag,
    role: "viewer",
    params: budgetParams,
    output: budgetView,
    handler: async ({ tenant }, { params }) =>
      viewBudgetWithSpend(tenant.db, await getBudget(tenant, params.budget_id)),
  }),
  defineOperation({
    id: "create_budget",
    method: "POST",
    path: "/budgets",
    summary: "Create a budget",
    description:
      "A cap in USD per period for a scope. Soft thresholds (default [0.8]) send " +
      "budget.threshold_reached; at the cap the action applies: block (402), downgrade (to " +
      "downgrade_to) or warn_only. Data planes enforce it within a second.",
    tag,
    role: "admin",
    status: 201,
    body: createBudgetBody,
    output: budgetView,
    handler: ({ write }, { body }) =>
      write(async ({ tenant, audit }) => {
        // A new budget has spent nothing yet.
        const after = viewBudget(await createBudget(tenant, body), 0);
        await audit({
          action: "budget.created",
          resource_type: "budget",
          resource_id: after.id,
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "update_budget",
    method: "PATCH",
    path: "/budgets/{budget_id}",
    summary: "Change a budget's cap, thresholds, action or state",
    description: "Scope and period are fixed; create another budget to count something else.",
    tag,
    role: "admin",
    params: budgetParams,
    body: updateBudgetBody,
    output: budgetView,
    handler: ({ write }, { params, body }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getBudget(tenant, params.budget_id);
        const before = await viewBudgetWithSpend(tenant.db, existing);
        // Scope and period are fixed, so the period's spend is the same after the change.
        const after = viewBudget(
          await updateBudget(tenant, existing, body),
          before.current_period.spend_usd,
        );
        await audit({
          action: "budget.updated",
          resource_type: "budget",
          resource_id: existing.id,
          before,
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "delete_budget",
    method: "DELETE",
    path: "/budgets/{budget_id}",
    summary: "Delete a budget",
    tag,
    role: "admin",
    params: budgetParams,
    output: deletedView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getBudget(tenant, params.budget_id);
        const before = await viewBudgetWithSpend(tenant.db, existing);
        await deleteBudget(tenant, existing);
        await audit({
          action: "budget.deleted",
          resource_type: "budget",
          resource_id: existing.id,
          before,
        });
        return deleted(existing.id);
      }),
  }),
  defineOperation({
    id: "reset_budget_period",
    method: "POST",
    path: "/budgets/{budget_id}/reset",
    summary: "Reset a budget's spend in its current period",
    description:
      "Sets the fleet's spend of the current period to zero now: data planes see it with the " +
      "next budget broadcast (within a second), a blocked budget serves again, thresholds and " +
      "the cap can fire again this period, and the forecast counts from the reset " +
      "(current_period.reset_at). The period still ends at current_period.resets_at. Records a " +
      "reset event (with the spend it set back) and sends budget.reset.",
    tag,
    role: "admin",
    params: budgetParams,
    output: budgetView,
    handler: ({ write }, { params }) =>
      write(async ({ db, tenant, audit, emit }) => {
        const existing = await getBudget(tenant, params.budget_id);
        const now = new Date();
        const before = await viewBudgetWithSpend(db, existing, now.getTime());
        const reset = await resetBudgetPeriod(tenant, existing, now);
        const after = viewBudget(reset.row, 0, now.getTime());
        await emit("budget.reset", {
          budget: summarize(reset.row),
          spend_usd: reset.forgottenUsd,
          current_period: {
            start: isoRequired(new Date(reset.window.startMs)),
            resets_at: isoRequired(new Date(reset.window.endMs)),
            reset_at: isoRequired(now),
          },
        });
        await audit({
          action: "budget.reset",
          resource_type: "budget",
          resource_id: existing.id,
          before,
          after,
        });
        return after;
      }),
  }),
  defineListOperation({
    id: "list_budget_events",
    method: "GET",
    path: "/budgets/{budget_id}/events",
    summary: "List a budget's events (thresholds reached, cap exceeded, resets), newest first",
    tag,
    role: "viewer",
    params: budgetParams,
    query: listBudgetEventsQuery,
    output: budgetEventView,
    handler: async ({ tenant }, { params, query }) =>
      listBudgetEvents(tenant, await getBudget(tenant, params.budget_id), query),
  }),
];
