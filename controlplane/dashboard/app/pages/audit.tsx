// Audit log: every write to the org, newest first, paginated, filtered by action or resource;
// an entry opens to its before and after. Admins only, as the API. Operation: list_audit_log.
import { useState } from "preact/hooks";
import { list } from "../api.ts";
import { useCan } from "../session.ts";
import { ListTable, PageTitle, Status, useLoad, when } from "../ui.tsx";
import { formFields, Pager, useCursorPages } from "./admin-kit.tsx";

interface AuditEntry {
  id: string;
  actor: { type: string; id: string | null };
  action: string;
  resource_type: string;
  resource_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  created_at: string;
}

export function AuditLog() {
  const can = useCan("admin");
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Audit log</PageTitle>
      {can.allowed ? <Entries /> : <p class="notice">The audit log {can.why}.</p>}
    </section>
  );
}

function Entries() {
  const [filters, setFilters] = useState({ action: "", resource_type: "" });
  const pages = useCursorPages();
  const entries = useLoad(
    () => list<AuditEntry>("/audit-log", { ...filters, limit: 25, cursor: pages.cursor }),
    [filters, pages.cursor],
  );
  const apply = (event: Event) => {
    const { get } = formFields(event);
    setFilters({ action: get("action"), resource_type: get("resource_type") });
    pages.restart();
  };
  return (
    <>
      <form class="filters" onSubmit={apply} aria-label="Filter the audit log">
        <label>
          Action
          <input name="action" placeholder="api_key.revoked" />
        </label>
        <label>
          Resource type
          <input name="resource_type" placeholder="api_key" />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Status loaded={entries}>
        {(page) => (
          <ListTable
            label="Audit entries"
            columns={["When", "Action", "Resource", "Actor", "Change"]}
            items={page.data}
            empty="No entries."
            row={(entry) => (
              <tr key={entry.id}>
                <td>{when(entry.created_at)}</td>
                <td>
                  <code>{entry.action}</code>
                </td>
                <td>
                  {entry.resource_type} <code>{entry.resource_id ?? ""}</code>
                </td>
                <td>
                  {entry.actor.type} <code>{entry.actor.id ?? ""}</code>
                </td>
                <td>
                  <details>
                    <summary>Before and after</summary>
                    <pre class="json">
                      {JSON.stringify({ before: entry.before, after: entry.after }, null, 2)}
                    </pre>
                  </details>
                </td>
              </tr>
            )}
            after={<Pager pages={pages} next={page.next_cursor} />}
          />
        )}
      </Status>
    </>
  );
}
