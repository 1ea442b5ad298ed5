import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client.ts";
import type { PlaybookSummary } from "../api/types.ts";
import { ErrorNote, Loading, RunStatus } from "../components/bits.tsx";
import { text, when } from "../format.ts";
import { Link } from "../router.tsx";

export function triggerText(triggers: PlaybookSummary["triggers"]): string[] {
  const out: string[] = [];
  if (triggers.alert) out.push(`alert ${text(triggers.alert)}`);
  if (triggers.webhook) out.push("webhook");
  if (triggers.schedule) out.push(`schedule ${text(triggers.schedule)}`);
  return out;
}

export function PlaybooksPage() {
  const playbooks = useQuery({
    queryKey: ["playbooks"],
    queryFn: () => api<{ items: PlaybookSummary[] }>("GET", "/playbooks"),
  });
  if (playbooks.isPending) return <Loading what="playbooks" />;
  return (
    <main className="wide">
      <h1>Playbooks</h1>
      <ErrorNote error={playbooks.error} />
      <table className="plain">
        <thead>
          <tr>
            <th>Name</th>
            <th>Description</th>
            <th>Triggers</th>
            <th>Last runs</th>
          </tr>
        </thead>
        <tbody>
          {playbooks.data?.items.map((p) => (
            <tr key={p.name}>
              <td>
                <Link to={`/playbooks/${encodeURIComponent(p.name)}`}>{p.name}</Link>
              </td>
              <td>{p.description ?? ""}</td>
              <td>
                {triggerText(p.triggers).map((t) => (
                  <div key={t} className="chip">
                    {t}
                  </div>
                ))}
              </td>
              <td>
                {p.last_runs?.length ? (
                  p.last_runs.map((r) => (
                    <Link key={r.id} to={`/runs/${encodeURIComponent(r.id)}`} title={when(r.created_at)}>
                      <RunStatus status={r.status} />{" "}
                    </Link>
                  ))
                ) : (
                  <span className="muted">never run</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
