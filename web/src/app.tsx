import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useMemo } from "react";
import { ApiError, api, onUnauthenticated } from "./api/client.ts";
import type { Me, Role } from "./api/types.ts";
import { Loading } from "./components/bits.tsx";
import { AlertPage } from "./pages/alert.tsx";
import { AlertsPage } from "./pages/alerts.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { Link, match, navigate, useLocation } from "./router.tsx";
import { roleAllows, type Session, SessionContext } from "./session.tsx";

// Pages past the alerts load when first opened: the graph (React Flow, dagre) and form (rjsf, Ajv)
// libraries are not part of the first page's script.
const RunPage = lazy(() => import("./pages/run.tsx").then((m) => ({ default: m.RunPage })));
const RunsPage = lazy(() => import("./pages/runs.tsx").then((m) => ({ default: m.RunsPage })));
const PlaybookPage = lazy(() => import("./pages/playbook.tsx").then((m) => ({ default: m.PlaybookPage })));
const PlaybooksPage = lazy(() => import("./pages/playbooks.tsx").then((m) => ({ default: m.PlaybooksPage })));
const ConnectionsPage = lazy(() =>
  import("./pages/connections.tsx").then((m) => ({ default: m.ConnectionsPage })),
);
const SourcesPage = lazy(() => import("./pages/sources.tsx").then((m) => ({ default: m.SourcesPage })));
const AdminPage = lazy(() => import("./pages/admin.tsx").then((m) => ({ default: m.AdminPage })));

const NAV: Array<{ to: string; label: string; role: Role }> = [
  { to: "/alerts", label: "Alerts", role: "viewer" },
  { to: "/runs", label: "Runs", role: "viewer" },
  { to: "/playbooks", label: "Playbooks", role: "viewer" },
  { to: "/connections", label: "Connections", role: "viewer" },
  { to: "/sources", label: "Sources", role: "viewer" },
  { to: "/admin", label: "Admin", role: "admin" },
];

function Page({ path }: { path: string }) {
  if (path === "/alerts") return <AlertsPage />;
  const alert = match("/alerts/:id", path);
  if (alert) return <AlertPage id={alert.id!} />;
  if (path === "/runs") return <RunsPage />;
  const run = match("/runs/:id", path);
  if (run) return <RunPage id={run.id!} />;
  if (path === "/playbooks") return <PlaybooksPage />;
  const playbook = match("/playbooks/:name", path);
  if (playbook) return <PlaybookPage name={playbook.name!} />;
  if (path === "/connections") return <ConnectionsPage />;
  if (path === "/sources") return <SourcesPage />;
  if (path === "/admin") return <AdminPage />;
  return (
    <main>
      <h1>Not found</h1>
      <p>
        No page at <code>{path}</code>. <Link to="/alerts">Go to the alerts</Link>.
      </p>
    </main>
  );
}

export function App() {
  const client = useQueryClient();
  const { path } = useLocation();
  const me = useQuery({
    queryKey: ["me"],
    queryFn: () => api<Me>("GET", "/auth/me"),
    retry: false,
    staleTime: 60_000,
  });
  useEffect(
    () =>
      onUnauthenticated(() => {
        client.setQueryData(["me"], null);
      }),
    [client],
  );
  useEffect(() => {
    if (path === "/") navigate("/alerts", true);
  }, [path]);

  const user = me.data?.user;
  const session = useMemo<Session | undefined>(
    () =>
      user
        ? {
            me: user,
            can: (needed) => roleAllows(user.role, needed),
            signOut: async () => {
              try {
                await api("POST", "/auth/logout");
              } finally {
                client.clear();
                client.setQueryData(["me"], null);
              }
            },
          }
        : undefined,
    [user, client],
  );

  if (me.isPending) return <Loading what="Rampart" />;
  if (!session) {
    const failed = me.error instanceof ApiError && me.error.status !== 401 ? me.error : undefined;
    return (
      <>
        {failed && <p className="error">{failed.message}</p>}
        <SignIn onSignedIn={(signed) => client.setQueryData(["me"], signed)} />
      </>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <header className="top">
        <Link to="/alerts" className="brand">
          Rampart
        </Link>
        <nav aria-label="Main">
          {NAV.filter((n) => session.can(n.role)).map((n) => (
            <Link key={n.to} to={n.to} aria-current={path.startsWith(n.to) ? "page" : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span className="who" data-role={session.me.role}>
          {session.me.name} · {session.me.role}
        </span>
        <button type="button" onClick={session.signOut}>
          Sign out
        </button>
      </header>
      <Suspense fallback={<Loading what="the page" />}>
        <Page path={path} />
      </Suspense>
    </SessionContext.Provider>
  );
}
