import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.ts";
import { ErrorNote, Loading } from "../components/bits.tsx";
import { when } from "../format.ts";
import { useSession } from "../session.tsx";

interface Source {
  name: string;
  connection: string;
  connector: string;
  every_ms: number;
  failures: number;
  last_error: string | null;
  last_polled_at: string | null;
  last_success_at: string | null;
  next_poll_at: string | null;
  paused_at: string | null;
  last_poll: { new: number; updated: number; unchanged: number; rejected?: number; at?: string } | null;
}

export function SourcesPage() {
  const session = useSession();
  const client = useQueryClient();
  const [error, setError] = useState<unknown>();
  const sources = useQuery({
    queryKey: ["sources"],
    queryFn: () => api<{ items: Source[] }>("GET", "/sources"),
    refetchInterval: 10_000,
  });
  if (sources.isPending) return <Loading what="sources" />;
  return (
    <main className="wide">
      <h1>Sources</h1>
      <ErrorNote error={sources.error ?? error} />
      <table className="plain">
        <thead>
          <tr>
            <th>Name</th>
            <th>Connector</th>
            <th>Every</th>
            <th>Last poll</th>
            <th>Counts</th>
            <th>Next poll</th>
            <th>Failures</th>
            <th>Last error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sources.data?.items.map((s) => (
            <tr key={s.name} data-source={s.name}>
              <td>{s.name}</td>
              <td>{s.connector}</td>
              <td>{Math.round(s.every_ms / 1000)} s</td>
              <td>{when(s.last_polled_at)}</td>
              <td>
                {s.last_poll
                  ? `${s.last_poll.new} new, ${s.last_poll.updated} updated, ${s.last_poll.unchanged} unchanged`
                  : "—"}
              </td>
              <td>{s.paused_at ? `paused since ${when(s.paused_at)}` : when(s.next_poll_at)}</td>
              <td>{s.failures > 0 ? `${s.failures} (backing off)` : "0"}</td>
              <td className="error-text">{s.last_error ?? ""}</td>
              <td>
                {session.can("admin") && (
                  <button
                    type="button"
                    onClick={async () => {
                      setError(undefined);
                      try {
                        await api("PATCH", `/sources/${encodeURIComponent(s.name)}`, {
                          paused: !s.paused_at,
                        });
                      } catch (e) {
                        setError(e);
                      }
                      void client.invalidateQueries({ queryKey: ["sources"] });
                    }}
                  >
                    {s.paused_at ? "Resume" : "Pause"}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
