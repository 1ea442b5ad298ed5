import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api } from "../api/client.ts";
import type { Issue, PlaybookDetail, PlaybookGraph } from "../api/types.ts";
import { ErrorNote, Loading } from "../components/bits.tsx";
import { SchemaForm } from "../components/schema-form.tsx";
import { FlowGraph } from "../graph/flow-graph.tsx";
import { Link, navigate } from "../router.tsx";
import { useSession } from "../session.tsx";
import { triggerText } from "./playbooks.tsx";

export function PlaybookPage({ name }: { name: string }) {
  const session = useSession();
  const playbook = useQuery({
    queryKey: ["playbook", name],
    queryFn: () => api<PlaybookDetail>("GET", `/playbooks/${encodeURIComponent(name)}`),
  });
  if (playbook.isPending) return <Loading what="the playbook" />;
  if (playbook.error)
    return (
      <main>
        <ErrorNote error={playbook.error} />
      </main>
    );
  const p = playbook.data;
  return (
    <main className="wide">
      <p>
        <Link to="/playbooks">← Playbooks</Link>
      </p>
      <h1>{p.name}</h1>
      {p.description && <p>{p.description}</p>}
      <p className="muted">
        {p.path} · triggers: {triggerText(p.triggers).join(", ") || "none (started by hand or over the API)"}{" "}
        · <Link to={`/runs?playbook=${encodeURIComponent(p.name)}`}>its runs</Link>
      </p>
      <FlowGraph graph={p.graph} />
      {session.can("responder") && <StartRun playbook={p} />}
      {session.can("responder") && <RunTests name={p.name} />}
      <YamlEditor yaml={p.yaml} />
    </main>
  );
}

function StartRun({ playbook }: { playbook: PlaybookDetail }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const schema = playbook.inputs ?? { type: "object", properties: {} };
  return (
    <section className="card">
      <h2>Start a run</h2>
      <SchemaForm
        schema={schema}
        submitLabel="Start run"
        busy={busy}
        onSubmit={async (inputs) => {
          setBusy(true);
          setError(undefined);
          try {
            const { run_id } = await api<{ run_id: string }>(
              "POST",
              `/playbooks/${encodeURIComponent(playbook.name)}/runs`,
              {
                inputs: inputs ?? {},
              },
            );
            navigate(`/runs/${encodeURIComponent(run_id)}`);
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      />
      <ErrorNote error={error} />
    </section>
  );
}

interface TestReport {
  file: string;
  passed: number;
  failed: number;
  cases: Array<{
    name: string;
    passed: boolean;
    mismatches: Array<{ field: string; expected: unknown; actual: unknown }>;
    problems: string[];
  }>;
}

function RunTests({ name }: { name: string }) {
  const [report, setReport] = useState<TestReport>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <section className="card">
      <h2>Test cases</h2>
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            setReport(await api<TestReport>("POST", `/playbooks/${encodeURIComponent(name)}/tests`, {}));
          } catch (e) {
            setReport(undefined);
            setError(
              e instanceof ApiError && e.status === 404
                ? new Error("This playbook has no test file beside it.")
                : e,
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "Running the cases…" : "Run its test cases"}
      </button>
      <ErrorNote error={error} />
      {report && (
        <>
          <p>
            {report.file}: {report.passed} passed, {report.failed} failed
          </p>
          <ul>
            {report.cases.map((c) => (
              <li key={c.name} className={c.passed ? "pass" : "fail"}>
                {c.passed ? "✓" : "✗"} {c.name}
                {c.mismatches.map((m) => (
                  <div key={m.field} className="mono">
                    {m.field}: expected {JSON.stringify(m.expected)}, got {JSON.stringify(m.actual)}
                  </div>
                ))}
                {c.problems.map((m) => (
                  <div key={m} className="mono">
                    {m}
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** The playbook's YAML, editable; "Validate" asks the service and shows each issue at its line and column. */
function YamlEditor({ yaml }: { yaml: string }) {
  const [value, setValue] = useState(yaml);
  const [result, setResult] = useState<{ valid: boolean; issues: Issue[]; graph?: PlaybookGraph }>();
  const [error, setError] = useState<unknown>();
  const lines = value.split("\n");
  const byLine = new Map<number, Issue[]>();
  for (const issue of result?.issues ?? [])
    byLine.set(issue.line, [...(byLine.get(issue.line) ?? []), issue]);
  return (
    <section className="card">
      <h2>YAML</h2>
      <label className="block">
        <span className="sr-only">Playbook YAML</span>
        <textarea
          name="yaml"
          className="yaml"
          spellCheck={false}
          rows={Math.min(40, lines.length + 2)}
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
            setResult(undefined);
          }}
        />
      </label>
      <button
        type="button"
        onClick={async () => {
          setError(undefined);
          try {
            setResult(await api("POST", "/playbooks/validate", { yaml: value }));
          } catch (e) {
            setError(e);
          }
        }}
      >
        Validate
      </button>
      <ErrorNote error={error} />
      {result?.valid && (
        <p className="ok" role="status">
          Valid: the service would load it.
        </p>
      )}
      {result && !result.valid && (
        <div className="issues" role="status">
          <p className="error">
            {result.issues.length} issue{result.issues.length === 1 ? "" : "s"}:
          </p>
          <ol className="yaml-issues">
            {[...byLine.entries()]
              .sort((a, b) => a[0] - b[0])
              .map(([line, issues]) => (
                <li key={line}>
                  <pre className="yaml-line">{`${line} | ${lines[line - 1] ?? ""}`}</pre>
                  {issues.map((i) => (
                    <div key={`${i.column}:${i.message}`} className="issue">
                      <span className="mono">{`${" ".repeat(String(line).length + 3 + Math.max(0, i.column - 1))}^`}</span>{" "}
                      line {i.line}, column {i.column}
                      {i.path ? ` (${i.path})` : ""}: {i.message}
                    </div>
                  ))}
                </li>
              ))}
          </ol>
        </div>
      )}
    </section>
  );
}
