// Budgets: each budget's standing this period as a bar with its soft thresholds, when the period
// resets, what happens at the cap; its events (thresholds reached, cap exceeded, resets); create,
// pause or resume, reset the period's spend (confirmed), delete. Operations: list_budgets,
// list_budget_events, create_budget, update_budget, reset_budget_period, delete_budget.
import { useState } from "preact/hooks";
import { list, listAll, op } from "../api.ts";
import { useApp } from "../session.ts";
import {
  ConfirmDialog,
  ErrorNote,
  ListTable,
  PageTitle,
  pct,
  RunButton,
  Status,
  StatusBadge,
  usd,
  useAction,
  useConfirm,
  useLoad,
  when,
} from "../ui.tsx";
import { Can, formFields } from "./admin-kit.tsx";
import { type Budget, BudgetBar } from "./overview.tsx";

interface BudgetDetail extends Budget {
  project_id: string | null;
  updated_at: string;
  scope: { type: string; value: string | null };
  fail_mode: string;
  downgrade_to: unknown;
  forecast?: {
    rate_usd_per_day: number;
    projected_spend_usd: number;
    projected_used_pct: number;
    cap_reached_at: string | null;
  };
}
interface BudgetEvent {
  id: string;
  type: string;
  threshold: number;
  spend_usd: number;
  created_at: string;
}

export function Budgets() {
  const { projectId } = useApp();
  const budgets = useLoad(() => listAll<BudgetDetail>("/budgets"), [projectId]);
  const action = useAction(budgets.reload);
  const deleting = useConfirm<BudgetDetail>(
    (budget) => void action.run(() => op("DELETE", `/budgets/${budget.id}`)),
  );
  const resetting = useConfirm<BudgetDetail>(
    (budget) => void action.run(() => op("POST", `/budgets/${budget.id}/reset`)),
  );
  const create = (event: Event) => {
    const { form, get } = formFields(event);
    const scope = get("scope");
    const thresholds = get("soft_thresholds")
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => Number(part.replace("%", "")) / 100);
    const body: Record<string, unknown> = {
      name: get("name"),
      scope: scope === "project" ? { type: "project", value: projectId } : { type: scope },
      period: get("period"),
      cap_usd: Number(get("cap_usd")),
      soft_thresholds: thresholds,
      action: get("action"),
    };
    if (get("action") === "downgrade") body.downgrade_to = get("downgrade_to");
    void action.run(async () => {
      await op("POST", "/budgets", { body });
      form.reset();
    });
  };
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Budgets</PageTitle>
      <ErrorNote message={action.error} />
      <Status loaded={budgets}>
        {(items) =>
          items.length === 0 ? (
            <p class="empty">No budgets yet.</p>
          ) : (
            <ul class="plain budgets">
              {items.map((budget) => (
                <li key={budget.id}>
                  <BudgetBar budget={budget} />
                  <p class="meta">
                    <StatusBadge value={budget.enabled ? "active" : "paused"} /> scope{" "}
                    {budget.scope.type}
                    {budget.scope.value ? ` ${budget.scope.value}` : ""} · at the cap:{" "}
                    <strong>{budget.action.replace("_", " ")}</strong>
                    {budget.action === "downgrade"
                      ? ` to ${JSON.stringify(budget.downgrade_to)}`
                      : ""}{" "}
                    · thresholds {budget.soft_thresholds.map((t) => pct(t, 0)).join(", ") || "none"}{" "}
                    · period since {when(budget.current_period.start)}
                    {budget.current_period.reset_at
                      ? `, reset by hand ${when(budget.current_period.reset_at)}`
                      : ""}{" "}
                    · fail {budget.fail_mode}
                  </p>
                  {budget.forecast ? (
                    <p class="meta">
                      At {usd(budget.forecast.rate_usd_per_day)} a day:{" "}
                      {usd(budget.forecast.projected_spend_usd)} (
                      {pct(budget.forecast.projected_used_pct, 0)}) by the reset
                      {budget.forecast.cap_reached_at
                        ? `; the cap is reached ${when(budget.forecast.cap_reached_at)}`
                        : ""}
                    </p>
                  ) : null}
                  <Can needs="admin">
                    <div class="buttons">
                      <RunButton
                        action={action}
                        operation={() =>
                          op("PATCH", `/budgets/${budget.id}`, {
                            body: { enabled: !budget.enabled },
                          })
                        }
                      >
                        {budget.enabled ? "Pause" : "Resume"} {budget.name}
                      </RunButton>
                      <button type="button" onClick={() => resetting.ask(budget)}>
                        Reset {budget.name}
                      </button>
                      <button type="button" class="danger" onClick={() => deleting.ask(budget)}>
                        Delete {budget.name}
                      </button>
                    </div>
                  </Can>
                  {/* A new list after each change of the budget (a reset adds an event). */}
                  <BudgetEvents key={budget.updated_at} budget={budget} />
                </li>
              ))}
            </ul>
          )
        }
      </Status>
      <Can needs="admin">
        <h2>New budget</h2>
        <form class="filters" onSubmit={create} aria-label="Create a budget">
          <label>
            Name
            <input name="name" required />
          </label>
          <label>
            Counts
            <select name="scope">
              <option value="org">the whole org</option>
              <option value="project">this project</option>
            </select>
          </label>
          <label>
            Period
            <select name="period">
              <option value="daily">daily</option>
              <option value="weekly">weekly</option>
              <option value="monthly">monthly</option>
            </select>
          </label>
          <label>
            Cap (USD)
            <input name="cap_usd" type="number" min="0.01" step="0.01" required />
          </label>
          <label>
            Soft thresholds (%)
            <input name="soft_thresholds" placeholder="50, 80" />
          </label>
          <label>
            At the cap
            <select name="action">
              <option value="block">block</option>
              <option value="warn_only">warn only</option>
              <option value="downgrade">downgrade</option>
            </select>
          </label>
          <label>
            Downgrade to (model or @config)
            <input name="downgrade_to" placeholder="gpt-4o-mini" />
          </label>
          <button type="submit" class="primary" disabled={action.busy}>
            Create budget
          </button>
        </form>
      </Can>
      <ConfirmDialog
        {...resetting.dialog}
        title={`Reset ${resetting.pending?.name ?? ""} for this period?`}
        confirmLabel="Reset"
      >
        <p>
          Its spend this period ({usd(resetting.pending?.current_period.spend_usd)}) goes back to
          $0.00 now, across the fleet within a second: a budget at its cap serves again, and its
          thresholds can fire again before the period ends (
          {when(resetting.pending?.current_period.resets_at)}). A reset event records what was
          spent.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        {...deleting.dialog}
        title={`Delete ${deleting.pending?.name ?? ""}?`}
        confirmLabel="Delete"
      >
        <p>Requests are no longer counted or limited by this budget; its events go with it.</p>
      </ConfirmDialog>
    </section>
  );
}

function BudgetEvents({ budget }: { budget: Budget }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}>
      <summary>Events of {budget.name}</summary>
      {open ? <EventList budgetId={budget.id} /> : null}
    </details>
  );
}

function EventList({ budgetId }: { budgetId: string }) {
  const events = useLoad(
    () => list<BudgetEvent>(`/budgets/${budgetId}/events`, { limit: 50 }),
    [budgetId],
  );
  return (
    <Status loaded={events}>
      {(page) => (
        <ListTable
          columns={[
            "When",
            "Event",
            { label: "Threshold", class: "num" },
            { label: "Spend", class: "num" },
          ]}
          items={page.data}
          empty="No events yet."
          row={(event) => (
            <tr key={event.id}>
              <td>{when(event.created_at)}</td>
              <td>
                <StatusBadge value={event.type} />
              </td>
              <td class="num">{event.type === "reset" ? "–" : pct(event.threshold, 0)}</td>
              <td class="num">{usd(event.spend_usd)}</td>
            </tr>
          )}
        />
      )}
    </Status>
  );
}
