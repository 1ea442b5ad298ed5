import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, query } from "../api/client.ts";
import { useEventStream } from "../api/events.ts";
import type { Page, PlaybookSummary, Run } from "../api/types.ts";
import { ErrorNote, RunStatus } from "../components/bits.tsx";
import { duration, when } from "../format.ts";
import { Link, navigate, useLocation } from "../router.tsx";

const STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"];
const CAUSES = ["alert", "webhook", "schedule", "api", "manual"];

export function causeText(cause: Run["cause"]): string {
  return cause.by ? `${cause.kind} by ${cause.by}` : cause.kind;
}

export function RunsPage() {
  const { search } = useLocation();
  const client = useQueryClient();
  const filters = {
    playbook: search.get("playbook") ?? undefined,
    status: search.get("status") ?? undefined,
    cause: search.get("cause") ?? undefined,
  };
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    const text = next.toString();
    navigate(`/runs${text ? `?${text}` : ""}`, true);
  };
  const playbooks = useQuery({
    queryKey: ["playbooks"],
    queryFn: () => api<{ items: PlaybookSummary[] }>("GET", "/playbooks"),
  });
  const runs = useInfiniteQuery({
    queryKey: ["runs", filters],
    queryFn: ({ pageParam }) =>
      api<Page<Run>>("GET", `/runs${query({ ...filters, limit: 100, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor,
  });
  useEventStream("/runs/events", ["run"], () => void client.invalidateQueries({ queryKey: ["runs"] }));
  const rows = runs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <main className="wide">
      <h1>Runs</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Playbook
          <select
            name="playbook"
            value={filters.playbook ?? ""}
            onChange={(e) => set("playbook", e.target.value)}
          >
            <option value="">all playbooks</option>
            {playbooks.data?.items.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status" value={filters.status ?? ""} onChange={(e) => set("status", e.target.value)}>
            <option value="">any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Cause
          <select name="cause" value={filters.cause ?? ""} onChange={(e) => set("cause", e.target.value)}>
            <option value="">any cause</option>
            {CAUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={runs.error} />
      <table className="plain runs">
        <thead>
          <tr>
            <th>Status</th>
            <th>Playbook</th>
            <th>Started</th>
            <th>Took</th>
            <th>Cause</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((run) => (
            <tr key={run.id} data-run-id={run.id}>
              <td>
                <RunStatus status={run.status} />
              </td>
              <td>
                <Link to={`/runs/${encodeURIComponent(run.id)}`}>{run.playbook}</Link>
              </td>
              <td>{when(run.created_at)}</td>
              <td>{duration(run.created_at, run.finished_at)}</td>
              <td>{causeText(run.cause)}</td>
              <td className="message">{run.message ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.hasNextPage && (
        <button type="button" onClick={() => runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
          More runs
        </button>
      )}
      {!runs.isPending && rows.length === 0 && <p className="muted">No run matches.</p>}
    </main>
  );
}
