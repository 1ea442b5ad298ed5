import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.ts";
import type { AlertDetail } from "../api/types.ts";
import {
  AlertStatus,
  CopyButton,
  ErrorNote,
  Loading,
  RunStatus,
  SafeLink,
  SeverityBadge,
} from "../components/bits.tsx";
import { JsonView } from "../components/json-view.tsx";
import { VersionDiff } from "../components/version-diff.tsx";
import { STATUS_CAPTION, TRIAGE_STATUSES, text, when } from "../format.ts";
import { Link } from "../router.tsx";
import { useSession } from "../session.tsx";

type Json = Record<string, unknown>;

/** OCSF attributes grouped as an analyst reads them. */
const SECTIONS: Array<{ title: string; keys: string[] }> = [
  { title: "Finding", keys: ["finding_info", "analytic", "confidence", "risk_score", "risk_level"] },
  { title: "Device", keys: ["device"] },
  { title: "User", keys: ["actor", "user"] },
  { title: "Network endpoints", keys: ["src_endpoint", "dst_endpoint", "connection_info"] },
  { title: "Evidences", keys: ["evidences", "resources", "malware", "vulnerabilities"] },
];

function rawRecord(ocsf: Json): unknown {
  if (typeof ocsf.raw_data !== "string") return undefined;
  try {
    return JSON.parse(ocsf.raw_data);
  } catch {
    return ocsf.raw_data;
  }
}

export function AlertPage({ id }: { id: string }) {
  const session = useSession();
  const alert = useQuery({
    queryKey: ["alert", id],
    queryFn: () => api<AlertDetail>("GET", `/alerts/${encodeURIComponent(id)}`),
  });
  if (alert.isPending) return <Loading what="the alert" />;
  if (alert.error)
    return (
      <main>
        <ErrorNote error={alert.error} />
      </main>
    );
  const { alert: a, ocsf, versions, runs } = alert.data;
  const finding = (ocsf.finding_info ?? {}) as Json;
  const observables = (Array.isArray(ocsf.observables) ? ocsf.observables : []) as Json[];
  const raw = rawRecord(ocsf);
  return (
    <main>
      <p>
        <Link to="/alerts">← Alerts</Link>
      </p>
      <h1 className="alert-heading">{a.title}</h1>
      <dl className="summary">
        <dt>Severity</dt>
        <dd>
          <SeverityBadge id={a.severity_id} />
        </dd>
        <dt>Status</dt>
        <dd>
          <AlertStatus id={a.status_id} />
        </dd>
        <dt>Time</dt>
        <dd>{when(a.time)}</dd>
        <dt>Source</dt>
        <dd>
          {a.source} ({a.connector})
        </dd>
        <dt>Vendor id</dt>
        <dd>
          <code>{a.vendor_id}</code>
        </dd>
        <dt>Assignee</dt>
        <dd>{a.assignee ?? "—"}</dd>
        <dt>Version</dt>
        <dd>
          {a.version} (updated {when(a.updated_at)})
        </dd>
        {typeof finding.desc === "string" && (
          <>
            <dt>Description</dt>
            <dd>{finding.desc}</dd>
          </>
        )}
        {typeof finding.src_url === "string" && (
          <>
            <dt>Vendor link</dt>
            <dd>
              <SafeLink href={finding.src_url} />
            </dd>
          </>
        )}
        {typeof ocsf.comment === "string" && (
          <>
            <dt>Comment</dt>
            <dd>{ocsf.comment}</dd>
          </>
        )}
      </dl>

      {session.can("responder") && <Triage id={id} statusId={a.status_id} assignee={a.assignee} />}

      <section aria-labelledby="observables">
        <h2 id="observables">Observables</h2>
        {observables.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <table className="plain">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Value</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {observables.map((o) => (
                <tr key={`${text(o.name)}=${text(o.value)}`} className="observable">
                  <td>{text(o.name)}</td>
                  <td>{text(o.type)}</td>
                  <td>
                    <code>{text(o.value)}</code>
                  </td>
                  <td>
                    <CopyButton value={text(o.value)} label={text(o.name)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="runs">
        <h2 id="runs">Runs it started</h2>
        {runs.length === 0 ? (
          <p className="muted">No playbook ran for this alert.</p>
        ) : (
          <ul className="runs-of-alert">
            {runs.map((r, i) => (
              <li key={r.run_id ?? i}>
                <RunStatus status={r.status} />{" "}
                {r.run_id ? (
                  <Link to={`/runs/${encodeURIComponent(r.run_id)}`}>{r.playbook}</Link>
                ) : (
                  r.playbook
                )}
                {r.error && <span className="error"> {r.error}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>

      {SECTIONS.map((section) => {
        const present = section.keys.filter((k) => ocsf[k] !== undefined);
        if (present.length === 0) return null;
        return (
          <section key={section.title}>
            <h2>{section.title}</h2>
            {present.map((k) => (
              <JsonView key={k} label={k} value={ocsf[k]} open={2} />
            ))}
          </section>
        );
      })}

      <section>
        <h2>History</h2>
        {versions.length === 0 ? (
          <p className="muted">One version: the alert has not changed since it was first stored.</p>
        ) : (
          [...versions, { version: a.version, recorded_at: a.updated_at, ocsf }].slice(1).map((v, i) => (
            <details key={v.version} className="version">
              <summary>
                Version {versions[i]!.version} → {v.version} ({when(v.recorded_at)})
              </summary>
              <VersionDiff before={versions[i]!.ocsf} after={v.ocsf} />
            </details>
          ))
        )}
      </section>

      <section>
        <h2>Vendor record</h2>
        {raw === undefined ? (
          <p className="muted">The event carries no raw record.</p>
        ) : (
          <JsonView value={raw} open={1} />
        )}
      </section>
      <section>
        <h2>Whole OCSF event</h2>
        <JsonView value={ocsf} open={0} label="event" />
      </section>
    </main>
  );
}

function Triage({ id, statusId, assignee }: { id: string; statusId: number; assignee: string | null }) {
  const client = useQueryClient();
  const [status, setStatus] = useState("");
  const [who, setWho] = useState(assignee ?? "");
  const [comment, setComment] = useState("");
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState("");
  return (
    <form
      className="triage"
      aria-label="Triage"
      onSubmit={async (event) => {
        event.preventDefault();
        const body: Record<string, unknown> = {};
        if (status) body.status = status;
        if (who.trim() !== (assignee ?? "")) body.assignee = who.trim() || null;
        if (comment.trim()) body.comment = comment.trim();
        if (Object.keys(body).length === 0)
          return setError(new Error("change the status, the assignee or write a comment"));
        setError(undefined);
        try {
          await api("POST", `/alerts/${encodeURIComponent(id)}/triage`, body);
          setDone("Saved as a new version.");
          setComment("");
          setStatus("");
          await client.invalidateQueries({ queryKey: ["alert", id] });
          void client.invalidateQueries({ queryKey: ["alerts"] });
        } catch (e) {
          setError(e);
        }
      }}
    >
      <h2>Triage</h2>
      <label>
        Status
        <select name="status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">(unchanged: {STATUS_CAPTION[statusId] ?? statusId})</option>
          {TRIAGE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace("_", " ")}
            </option>
          ))}
        </select>
      </label>
      <label>
        Assignee
        <input name="assignee" value={who} maxLength={200} onChange={(e) => setWho(e.target.value)} />
      </label>
      <label className="grow">
        Comment
        <textarea
          name="comment"
          rows={2}
          maxLength={10000}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
      </label>
      <button type="submit" className="primary">
        Save triage
      </button>
      {done && (
        <span className="muted" role="status">
          {done}
        </span>
      )}
      <ErrorNote error={error} />
    </form>
  );
}
