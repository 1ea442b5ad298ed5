import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api } from "../api/client.ts";
import { useEventStream } from "../api/events.ts";
import type { PlaybookDetail, Run, StepAttempt } from "../api/types.ts";
import { ErrorNote, Loading, RunStatus } from "../components/bits.tsx";
import { JsonView } from "../components/json-view.tsx";
import { duration, when } from "../format.ts";
import { FlowGraph } from "../graph/flow-graph.tsx";
import { nodeIdOfKey, nodeStatuses } from "../graph/status.ts";
import { Link, navigate } from "../router.tsx";
import { useSession } from "../session.tsx";
import { causeText } from "./runs.tsx";

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

export function RunPage({ id }: { id: string }) {
  const client = useQueryClient();
  const run = useQuery({
    queryKey: ["run", id],
    queryFn: () => api<{ run: Run; steps: StepAttempt[] }>("GET", `/runs/${encodeURIComponent(id)}`),
  });
  const playbookName = run.data?.run.playbook;
  const playbook = useQuery({
    queryKey: ["playbook", playbookName],
    queryFn: () => api<PlaybookDetail>("GET", `/playbooks/${encodeURIComponent(playbookName!)}`),
    enabled: playbookName !== undefined,
    retry: false,
  });
  const finished = run.data ? FINISHED.has(run.data.run.status) : false;
  // Live while it runs: every run or step event of this run reads it again.
  useEventStream(
    finished ? undefined : `/runs/${encodeURIComponent(id)}/events`,
    ["run", "step"],
    () => void client.invalidateQueries({ queryKey: ["run", id] }),
  );
  const [selected, setSelected] = useState<string>();
  const known = useMemo(() => new Set(playbook.data?.graph.nodes.map((n) => n.id) ?? []), [playbook.data]);
  const statuses = useMemo(() => nodeStatuses(run.data?.steps ?? [], known), [run.data, known]);

  if (run.isPending) return <Loading what="the run" />;
  if (run.error)
    return (
      <main>
        <ErrorNote error={run.error} />
      </main>
    );
  const { run: r, steps } = run.data;
  const shown = selected
    ? steps.filter((s) => nodeIdOfKey(s.key, known) === selected || s.key === selected)
    : steps;
  return (
    <main className="wide">
      <p>
        <Link to="/runs">← Runs</Link>
      </p>
      <div className="page-head">
        <h1>
          Run of <Link to={`/playbooks/${encodeURIComponent(r.playbook)}`}>{r.playbook}</Link>
        </h1>
        <RunStatus status={r.status} />
      </div>
      <dl className="summary">
        <dt>Run id</dt>
        <dd>
          <code>{r.id}</code>
        </dd>
        <dt>Cause</dt>
        <dd>{causeText(r.cause)}</dd>
        <dt>Started</dt>
        <dd>{when(r.created_at)}</dd>
        <dt>Took</dt>
        <dd>
          {duration(r.created_at, r.finished_at)}
          {r.finished_at ? "" : " so far"}
        </dd>
        {r.message && (
          <>
            <dt>Message</dt>
            <dd className="message">{r.message}</dd>
          </>
        )}
        {r.rerun_of && (
          <>
            <dt>Re-run of</dt>
            <dd>
              <Link to={`/runs/${encodeURIComponent(r.rerun_of)}`}>{r.rerun_of}</Link>
            </dd>
          </>
        )}
      </dl>
      <RunActions run={r} />
      {playbook.data ? (
        <FlowGraph
          graph={playbook.data.graph}
          statuses={statuses}
          selected={selected}
          onSelect={(s) => setSelected(s === selected ? undefined : s)}
        />
      ) : (
        <ErrorNote error={playbook.error} />
      )}
      <section>
        <h2>Attempts</h2>
        <Timeline steps={steps} onPick={setSelected} />
      </section>
      <section>
        <h2>
          Steps{selected ? `: ${selected}` : ""}{" "}
          {selected && (
            <button type="button" className="small" onClick={() => setSelected(undefined)}>
              Show all
            </button>
          )}
        </h2>
        {shown.length === 0 && <p className="muted">No attempt of this step yet.</p>}
        {shown.map((s) => (
          <details
            key={`${s.key}#${s.attempt}`}
            className="step"
            open={selected !== undefined || s.status === "failed" || s.status === "waiting"}
          >
            <summary>
              <RunStatus status={s.status} /> <code>{s.key}</code> · {s.type} · attempt {s.attempt}
              {s.http_status !== null ? ` · HTTP ${s.http_status}` : ""} ·{" "}
              {duration(s.started_at, s.finished_at)}
            </summary>
            <div className="step-body">
              <JsonView label="input" value={s.input} open={1} />
              <JsonView label="output" value={s.output} open={1} />
              {s.error !== null && <JsonView label="error" value={s.error} open={2} />}
              {s.warnings !== null && <JsonView label="logs and warnings" value={s.warnings} open={2} />}
            </div>
          </details>
        ))}
      </section>
      <section>
        <h2>Inputs and outputs</h2>
        <JsonView label="inputs" value={r.inputs} />
        <JsonView label="outputs" value={r.outputs} />
        {r.error !== null && <JsonView label="error" value={r.error} open={2} />}
      </section>
    </main>
  );
}

/** Each attempt as a bar on the run's time axis: retries, waits and durations at a glance. */
function Timeline({ steps, onPick }: { steps: StepAttempt[]; onPick: (key: string) => void }) {
  if (steps.length === 0) return <p className="muted">No step has started.</p>;
  const start = Math.min(...steps.map((s) => Date.parse(s.started_at)));
  const end = Math.max(
    ...steps.map((s) => (s.finished_at ? Date.parse(s.finished_at) : Date.now())),
    start + 1,
  );
  const span = end - start;
  return (
    <ol className="timeline">
      {steps.map((s) => {
        const from = Date.parse(s.started_at) - start;
        const to = (s.finished_at ? Date.parse(s.finished_at) : Date.now()) - start;
        return (
          <li key={`${s.key}#${s.attempt}`}>
            <button type="button" className="timeline-label" onClick={() => onPick(s.key)}>
              {s.key}
              {s.attempt > 1 ? ` (attempt ${s.attempt})` : ""}
            </button>
            <span className="timeline-track">
              <span
                className={`timeline-bar status-${s.status}`}
                style={{
                  left: `${(from / span) * 100}%`,
                  width: `${Math.max(((to - from) / span) * 100, 0.5)}%`,
                }}
                title={`${s.status}, ${duration(s.started_at, s.finished_at)}`}
              />
            </span>
            <span className="timeline-time">{duration(s.started_at, s.finished_at)}</span>
          </li>
        );
      })}
    </ol>
  );
}

function RunActions({ run }: { run: Run }) {
  const session = useSession();
  const client = useQueryClient();
  const [comment, setComment] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (!session.can("responder")) return null;
  const act = async (action: string, body?: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api<{ run_id?: string }>(
        "POST",
        `/runs/${encodeURIComponent(run.id)}/${action}`,
        body,
      );
      if (action === "rerun" && answer.run_id) navigate(`/runs/${encodeURIComponent(answer.run_id)}`);
      setComment("");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      void client.invalidateQueries({ queryKey: ["run", run.id] });
      void client.invalidateQueries({ queryKey: ["runs"] });
    }
  };
  const finished = FINISHED.has(run.status);
  return (
    <fieldset className="actions">
      <legend className="sr-only">Run actions</legend>
      {run.status === "waiting" && (
        <form className="approval" onSubmit={(e) => e.preventDefault()} aria-label="Decide the approval">
          <label className="grow">
            Comment
            <input
              name="comment"
              value={comment}
              maxLength={4000}
              onChange={(e) => setComment(e.target.value)}
            />
          </label>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => act("approve", comment ? { comment } : {})}
          >
            Approve
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => act("reject", comment ? { comment } : {})}
          >
            Reject
          </button>
        </form>
      )}
      {!finished && (
        <>
          <button type="button" disabled={busy} onClick={() => act("cancel")}>
            Cancel run
          </button>
          <button type="button" disabled={busy} onClick={() => act("resume")}>
            Resume
          </button>
        </>
      )}
      {finished && (
        <button type="button" disabled={busy} onClick={() => act("rerun")}>
          Re-run
        </button>
      )}
      <ErrorNote error={error} />
    </fieldset>
  );
}
