// The dashboard's shell: sign-in, the navigation, the project picker and the pages' routes
// (hash-based, so the control plane serves one page at /).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Link, Route, Router, Switch, useLocation } from "wouter-preact";
import { useHashLocation } from "wouter-preact/use-hash-location";
import { ApiError, describeError, listAll, request, setCsrfToken, whenSignedOut } from "./api.ts";
import { PAGES } from "./pages/index.ts";
import { AppContext, type Project, type Session } from "./session.ts";
import { ErrorNote } from "./ui.tsx";

function SignIn({ onSignedIn }: { onSignedIn(session: Session): void }) {
  const [mode, setMode] = useState<"member" | "key">("member");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const body =
      mode === "key"
        ? { key: String(form.get("key") ?? "") }
        : { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") };
    setBusy(true);
    setError(null);
    try {
      const { data } = await request<{ data: Session }>("POST", "/auth/sign-in", { body });
      onSignedIn(data);
    } catch (thrown) {
      setError(describeError(thrown));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <h1>Sign in to modelux</h1>
      <div role="tablist" aria-label="How to sign in" class="tabs">
        <button
          type="button"
          role="tab"
          aria-selected={mode === "member"}
          onClick={() => setMode("member")}
        >
          Email and password
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === "key"}
          onClick={() => setMode("key")}
        >
          Management key
        </button>
      </div>
      <form onSubmit={submit} class="stack">
        {mode === "member" ? (
          <>
            <label>
              Email
              <input name="email" type="email" autoComplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
          </>
        ) : (
          <label>
            Management key
            <input name="key" type="password" placeholder="mlx_mk_…" autoComplete="off" required />
          </label>
        )}
        <ErrorNote message={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const [projects, setProjects] = useState<Project[]>([]);
  const [projectId, setProjectId] = useState<string | null>(
    () => localStorage.getItem("modelux.project") ?? null,
  );
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    listAll<Project>("/projects").then(
      (items) => {
        setProjects(items);
        if (!items.some((item) => item.id === projectId)) setProjectId(items[0]?.id ?? null);
      },
      () => setProjects([]),
    );
  }, []);
  useEffect(() => setMenuOpen(false), [location]);
  const chooseProject = (id: string) => {
    localStorage.setItem("modelux.project", id);
    setProjectId(id);
  };
  const signOut = async () => {
    await request("POST", "/auth/sign-out").catch(() => {});
    onSignOut();
  };
  const who = session.member ? session.member.email : (session.key?.name ?? "management key");
  return (
    <AppContext.Provider
      value={{ session, projects, projectId, setProjectId: chooseProject, signOut }}
    >
      <button type="button" class="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">modelux</span>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <label class="project-picker">
          Project
          <select
            value={projectId ?? ""}
            onChange={(event) => chooseProject((event.target as HTMLSelectElement).value)}
          >
            {projects.map((project) => (
              <option key={project.id} value={project.id}>
                {project.name}
              </option>
            ))}
          </select>
        </label>
        <span class="who">
          {who} · <strong>{session.role}</strong>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <div class="layout">
        <nav id="nav" aria-label="Pages" class={menuOpen ? "open" : ""}>
          <ul>
            {PAGES.filter((page) => page.label).map((page) => {
              const active = page.path === "/" ? location === "/" : location.startsWith(page.path);
              return (
                <li key={page.path}>
                  <Link href={page.path} aria-current={active ? "page" : undefined}>
                    {page.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <Switch>
            {PAGES.map((page) => (
              <Route key={page.path} path={page.path} component={page.component} />
            ))}
            <Route>
              <h1>Not found</h1>
              <p>
                No page at {location}. <Link href="/">Overview</Link>
              </p>
            </Route>
          </Switch>
        </main>
      </div>
    </AppContext.Provider>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    whenSignedOut(() => {
      setCsrfToken(null);
      setSession(null);
    });
    request<{ data: Session | null }>("GET", "/auth/session").then(
      ({ data }) => {
        setCsrfToken(data?.csrf_token ?? null);
        setSession(data);
      },
      (error) => {
        if (!(error instanceof ApiError)) console.warn(error);
        setSession(null);
      },
    );
  }, []);
  if (session === undefined) return <p aria-busy="true">Loading…</p>;
  if (session === null) {
    return (
      <SignIn
        onSignedIn={(data) => {
          setCsrfToken(data.csrf_token);
          setSession(data);
        }}
      />
    );
  }
  return (
    <Router hook={useHashLocation}>
      <Shell
        session={session}
        onSignOut={() => {
          setCsrfToken(null);
          setSession(null);
        }}
      />
    </Router>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
