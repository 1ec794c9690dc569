// Members and roles: who is in the org and with which role; add one (an owner can set the
// dashboard password), change a role, remove one. Operations: list_members, create_member,
// update_member, delete_member.
import { listAll, op } from "../api.ts";
import { type Role, roleAtLeast, useApp } from "../session.ts";
import {
  ConfirmDialog,
  ErrorNote,
  ListTable,
  PageTitle,
  Status,
  useAction,
  useConfirm,
  useLoad,
  when,
} from "../ui.tsx";
import { Can, formFields } from "./admin-kit.tsx";

interface Member {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  password_set: boolean;
  created_at: string;
}

const ROLES: Role[] = ["viewer", "developer", "admin", "owner"];

export function Members() {
  const { session } = useApp();
  const members = useLoad(() => listAll<Member>("/members"), []);
  const action = useAction(members.reload);
  const removing = useConfirm<Member>(
    (member) => void action.run(() => op("DELETE", `/members/${member.id}`)),
  );
  const canWrite = roleAtLeast(session.role, "admin");
  const isOwner = session.role === "owner";
  // A role above one's own is not offered (the API refuses it too).
  const grantable = ROLES.filter((role) => roleAtLeast(session.role, role));
  const create = (event: Event) => {
    const { form, get } = formFields(event);
    const body: Record<string, unknown> = { email: get("email"), role: get("role") };
    if (get("name")) body.name = get("name");
    if (get("password")) body.password = get("password");
    void action.run(async () => {
      await op("POST", "/members", { body });
      form.reset();
    });
  };
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Members and roles</PageTitle>
      <ErrorNote message={action.error} />
      <Status loaded={members}>
        {(items) => (
          <ListTable
            label="Members"
            columns={["Email", "Name", "Role", "Password", "Added", ""]}
            items={items}
            row={(member) => (
              <tr key={member.id}>
                <td>{member.email}</td>
                <td>{member.name ?? ""}</td>
                <td>
                  {canWrite && roleAtLeast(session.role, member.role) ? (
                    <select
                      aria-label={`Role of ${member.email}`}
                      value={member.role}
                      disabled={action.busy}
                      onChange={(event) => {
                        const role = (event.target as HTMLSelectElement).value;
                        void action.run(() =>
                          op("PATCH", `/members/${member.id}`, { body: { role } }),
                        );
                      }}
                    >
                      {grantable.map((role) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                  ) : (
                    member.role
                  )}
                </td>
                <td>{member.password_set ? "set" : "none"}</td>
                <td>{when(member.created_at)}</td>
                <td>
                  <Can needs="admin">
                    <button type="button" class="danger" onClick={() => removing.ask(member)}>
                      Remove {member.email}
                    </button>
                  </Can>
                </td>
              </tr>
            )}
          />
        )}
      </Status>
      <Can needs="admin">
        <h2>Add a member</h2>
        <form class="filters" onSubmit={create} aria-label="Add a member">
          <label>
            Email
            <input name="email" type="email" required autoComplete="off" />
          </label>
          <label>
            Name (optional)
            <input name="name" />
          </label>
          <label>
            Role
            <select name="role">
              {grantable.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          </label>
          {isOwner ? (
            <label>
              Dashboard password (12+ characters, optional)
              <input name="password" type="password" minLength={12} autoComplete="new-password" />
            </label>
          ) : null}
          <button type="submit" class="primary" disabled={action.busy}>
            Add member
          </button>
        </form>
        {isOwner ? null : <p class="meta">Only an owner sets a member's dashboard password.</p>}
      </Can>
      <ConfirmDialog
        {...removing.dialog}
        title={`Remove ${removing.pending?.email ?? ""}?`}
        confirmLabel="Remove"
      >
        <p>They lose access to the org at once; their dashboard sessions end.</p>
      </ConfirmDialog>
    </section>
  );
}
