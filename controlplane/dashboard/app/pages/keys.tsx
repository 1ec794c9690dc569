// API keys: the proxy keys of the project (mlx_sk_…) and the org's management keys (mlx_mk_…).
// A new key is shown once; revoking asks first. Operations: list_api_keys, create_api_key,
// revoke_api_key, list_management_keys, create_management_key, revoke_management_key.
import { useState } from "preact/hooks";
import { listAll, op } from "../api.ts";
import { type Role, roleAtLeast, useApp } from "../session.ts";
import {
  ActionButton,
  ConfirmDialog,
  ErrorNote,
  ListTable,
  num,
  PageTitle,
  Status,
  StatusBadge,
  useAction,
  useConfirm,
  useLoad,
  when,
} from "../ui.tsx";

interface Key {
  id: string;
  name: string;
  prefix: string;
  status: string;
  role?: Role;
  project_id?: string;
  rpm_limit: number | null;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

export function Keys() {
  const { session } = useApp();
  return (
    <section aria-labelledby="page-title">
      <PageTitle>API keys</PageTitle>
      <KeyList kind="proxy" />
      {roleAtLeast(session.role, "admin") ? <KeyList kind="management" /> : null}
    </section>
  );
}

function KeyList({ kind }: { kind: "proxy" | "management" }) {
  const { projectId, session } = useApp();
  const path = kind === "proxy" ? "/api-keys" : "/management-keys";
  const [showRevoked, setShowRevoked] = useState(false);
  const loaded = useLoad(
    () =>
      listAll<Key>(path, {
        include_revoked: showRevoked || undefined,
        project_id: kind === "proxy" ? (projectId ?? undefined) : undefined,
      }),
    [projectId, showRevoked],
  );
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const action = useAction(loaded.reload);
  const revoking = useConfirm<Key>(
    (key) => void action.run(() => op("POST", `${path}/${key.id}/revoke`)),
  );
  const needs: Role = kind === "proxy" ? "developer" : "admin";
  const title = kind === "proxy" ? "Proxy keys (this project)" : "Management keys (the org)";
  const create = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const rpm = String(data.get("rpm_limit") ?? "");
    void action.run(async () => {
      const body =
        kind === "proxy"
          ? {
              project_id: projectId,
              name: String(data.get("name")),
              ...(rpm ? { rpm_limit: Number(rpm) } : {}),
            }
          : {
              name: String(data.get("name")),
              role: String(data.get("role")),
              ...(rpm ? { rpm_limit: Number(rpm) } : {}),
            };
      const result = await op<Key & { key: string }>("POST", path, { body });
      setCreated({ name: result.name, key: result.key });
      form.reset();
    });
  };
  const headingId = `${kind}-keys-title`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <form class="filters" onSubmit={create} aria-label={`Create a ${kind} key`}>
        <label>
          Name
          <input name="name" required />
        </label>
        {kind === "management" ? (
          <label>
            Role
            <select name="role">
              {(["viewer", "developer", "admin", "owner"] as Role[])
                .filter((role) => roleAtLeast(session.role, role))
                .map((role) => (
                  <option key={role} value={role}>
                    {role}
                  </option>
                ))}
            </select>
          </label>
        ) : null}
        <label>
          Requests per minute (optional)
          <input name="rpm_limit" type="number" min={1} />
        </label>
        <ActionButton
          needs={needs}
          type="submit"
          class="primary"
          disabled={kind === "proxy" && projectId === null}
        >
          Create {kind === "proxy" ? "a proxy key" : "a management key"}
        </ActionButton>
      </form>
      {created ? (
        <div class="secret" role="status">
          <p>
            <strong>{created.name}</strong>: copy this key now; it is shown this once.
          </p>
          <p>
            <code data-testid="new-key">{created.key}</code>{" "}
            <button
              type="button"
              onClick={() => navigator.clipboard?.writeText(created.key).catch(() => {})}
            >
              Copy
            </button>{" "}
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </p>
        </div>
      ) : null}
      <ErrorNote message={action.error} />
      <label class="inline">
        <input
          type="checkbox"
          checked={showRevoked}
          onChange={(event) => setShowRevoked((event.target as HTMLInputElement).checked)}
        />
        Show revoked keys
      </label>
      <Status loaded={loaded}>
        {(keys) => (
          <ListTable
            label={title}
            columns={[
              "Name",
              "Key",
              ...(kind === "management" ? ["Role"] : []),
              "Status",
              { label: "RPM limit", class: "num" },
              "Last used",
              "Created",
              "",
            ]}
            items={keys}
            empty="No keys."
            row={(key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                {kind === "management" ? <td>{key.role}</td> : null}
                <td>
                  <StatusBadge value={key.status} />
                </td>
                <td class="num">{key.rpm_limit === null ? "default" : num(key.rpm_limit)}</td>
                <td>{when(key.last_used_at)}</td>
                <td>{when(key.created_at)}</td>
                <td>
                  {key.status === "revoked" ? null : (
                    <ActionButton
                      needs={needs}
                      class="danger"
                      onClick={() => revoking.ask(key)}
                      aria-label={`Revoke ${key.name}`}
                    >
                      Revoke
                    </ActionButton>
                  )}
                </td>
              </tr>
            )}
          />
        )}
      </Status>
      <ConfirmDialog
        {...revoking.dialog}
        title={`Revoke ${revoking.pending?.name ?? ""}?`}
        confirmLabel="Revoke"
      >
        <p>Requests with this key are refused from now on, on every node. This cannot be undone.</p>
      </ConfirmDialog>
    </section>
  );
}
