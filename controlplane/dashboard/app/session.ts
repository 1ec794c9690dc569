// The signed-in session, as /auth/session tells it, and what its role lets the pages offer.
import { createContext } from "preact";
import { useContext } from "preact/hooks";

export type Role = "viewer" | "developer" | "admin" | "owner";
const ROLES: Role[] = ["viewer", "developer", "admin", "owner"];

export interface Session {
  csrf_token: string;
  expires_at: string;
  role: Role;
  org: { id: string; name: string | null; slug: string | null };
  member: { id: string; email: string; name: string | null } | null;
  key: { id: string; name: string; prefix: string } | null;
}

export interface Project {
  id: string;
  name: string;
  slug: string;
}

export interface AppState {
  session: Session;
  projects: Project[];
  projectId: string | null;
  setProjectId(id: string): void;
  signOut(): void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("outside the signed-in app");
  return state;
}

export const roleAtLeast = (role: Role, minimum: Role) =>
  ROLES.indexOf(role) >= ROLES.indexOf(minimum);

/** Whether the signed-in role may run an operation needing `minimum`, and why not. */
export function useCan(minimum: Role): { allowed: boolean; why: string } {
  const { session } = useApp();
  const allowed = roleAtLeast(session.role, minimum);
  return {
    allowed,
    why: allowed ? "" : `needs the ${minimum} role; you are signed in as ${session.role}`,
  };
}
