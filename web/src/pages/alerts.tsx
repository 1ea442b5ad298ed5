import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import type { RowSelectionState } from "@tanstack/react-table";
import { useCallback, useState } from "react";
import { api, query } from "../api/client.ts";
import { useEventStream } from "../api/events.ts";
import type { Alert, Page } from "../api/types.ts";
import { ErrorNote } from "../components/bits.tsx";
import { TRIAGE_STATUSES } from "../format.ts";
import { navigate, useLocation } from "../router.tsx";
import { useSession } from "../session.tsx";
import { AlertTable } from "./alert-table.tsx";
import { AlertFilterBar, type AlertFilters, filtersOf, isoOfLocal, searchOf } from "./alerts-filters.tsx";

const PAGE = 200;

export function AlertsPage() {
  const { search } = useLocation();
  const filters = filtersOf(search);
  const session = useSession();
  const client = useQueryClient();
  const [selection, setSelection] = useState<RowSelectionState>({});
  const params = {
    severity: filters.severity,
    status: filters.status,
    source: filters.source,
    since: isoOfLocal(filters.since),
    until: isoOfLocal(filters.until),
    q: filters.q,
    limit: PAGE,
  };
  const alerts = useInfiniteQuery({
    queryKey: ["alerts", params],
    queryFn: ({ pageParam }) => api<Page<Alert>>("GET", `/alerts${query({ ...params, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = alerts.data?.pages.flatMap((p) => p.items) ?? [];
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = alerts;
  const onEndReached = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  // New or changed alerts: the service says when a poll stored some; the list is read again.
  const [live, setLive] = useState<string>();
  useEventStream("/alerts/events", ["poll"], (_type, data) => {
    const poll = data as { source: string; new: number; updated: number };
    setLive(`${poll.source}: ${poll.new} new, ${poll.updated} updated at ${new Date().toLocaleTimeString()}`);
    void client.invalidateQueries({ queryKey: ["alerts"] });
  });

  const setFilters = useCallback((next: AlertFilters) => {
    setSelection({});
    navigate(`/alerts${searchOf(next)}`, true);
  }, []);
  const chosen = Object.keys(selection).filter((id) => selection[id]);

  return (
    <main className="wide">
      <div className="page-head">
        <h1>Alerts</h1>
        <span className="muted" aria-live="polite">
          {rows.length}
          {hasNextPage ? "+" : ""} shown{live ? ` · live: ${live}` : ""}
        </span>
      </div>
      <AlertFilterBar filters={filters} onChange={setFilters} />
      {session.can("responder") && chosen.length > 0 && (
        <BulkTriage ids={chosen} onDone={() => setSelection({})} />
      )}
      <ErrorNote error={alerts.error} />
      <AlertTable
        alerts={rows}
        selectable={session.can("responder")}
        selection={selection}
        onSelectionChange={setSelection}
        onEndReached={onEndReached}
      />
      {alerts.isPending && <p className="muted">Loading alerts…</p>}
      {!alerts.isPending && rows.length === 0 && <p className="muted">No alert matches these filters.</p>}
    </main>
  );
}

/** Set the status or the assignee of every selected alert (each a triage, a new version). */
function BulkTriage({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const client = useQueryClient();
  const [status, setStatus] = useState("");
  const [assignee, setAssignee] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="bulk"
      aria-label="Triage the selected alerts"
      onSubmit={async (event) => {
        event.preventDefault();
        const body: Record<string, string> = {};
        if (status) body.status = status;
        if (assignee.trim()) body.assignee = assignee.trim();
        if (Object.keys(body).length === 0) return setError(new Error("choose a status or an assignee"));
        setBusy(true);
        setError(undefined);
        try {
          for (const id of ids) await api("POST", `/alerts/${encodeURIComponent(id)}/triage`, body);
          onDone();
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
          void client.invalidateQueries({ queryKey: ["alerts"] });
        }
      }}
    >
      <strong>{ids.length} selected</strong>
      <label>
        Set status
        <select name="bulk-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">(unchanged)</option>
          {TRIAGE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace("_", " ")}
            </option>
          ))}
        </select>
      </label>
      <label>
        Assign to
        <input
          name="bulk-assignee"
          value={assignee}
          maxLength={200}
          onChange={(e) => setAssignee(e.target.value)}
        />
      </label>
      <button type="submit" className="primary" disabled={busy}>
        Apply
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
