import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.ts";
import { ErrorNote, Loading } from "../components/bits.tsx";
import { JsonView } from "../components/json-view.tsx";
import { SchemaForm } from "../components/schema-form.tsx";
import { when } from "../format.ts";
import { useSession } from "../session.tsx";

interface Connection {
  name: string;
  connector: string;
  config: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}
interface Connector {
  name: string;
  title: string;
  connection: Record<string, unknown>;
}

/** Secret fields are write-only: the form never holds a saved secret, it shows whether one is set. */
function secretUi(schema: Record<string, unknown>, saved?: Record<string, unknown>) {
  const ui: Record<string, unknown> = {};
  const properties = (schema.properties ?? {}) as Record<string, { secret?: boolean }>;
  for (const [key, property] of Object.entries(properties)) {
    if (!property.secret) continue;
    ui[key] = {
      "ui:widget": "password",
      "ui:help":
        saved?.[key] !== undefined
          ? "set (write-only; type a new value to replace it)"
          : "unset (write-only)",
    };
  }
  return ui;
}

export function ConnectionsPage() {
  const session = useSession();
  const client = useQueryClient();
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => api<{ items: Connection[] }>("GET", "/connections"),
  });
  const connectors = useQuery({
    queryKey: ["connectors"],
    queryFn: () => api<{ items: Connector[] }>("GET", "/connectors"),
    staleTime: 300_000,
  });
  const [tested, setTested] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  if (connections.isPending) return <Loading what="connections" />;
  return (
    <main className="wide">
      <h1>Connections</h1>
      <ErrorNote error={connections.error ?? error} />
      <table className="plain">
        <thead>
          <tr>
            <th>Name</th>
            <th>Connector</th>
            <th>Config (secrets redacted)</th>
            <th>Updated</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {connections.data?.items.map((c) => (
            <tr key={c.name} data-connection={c.name}>
              <td>{c.name}</td>
              <td>{c.connector}</td>
              <td>
                <JsonView value={c.config} open={0} label="config" />
              </td>
              <td>{when(c.updated_at)}</td>
              <td>
                {session.can("responder") && (
                  <button
                    type="button"
                    onClick={async () => {
                      setTested((t) => ({ ...t, [c.name]: "testing…" }));
                      try {
                        const r = await api<{ ok: boolean; operation: string; error?: { message?: string } }>(
                          "POST",
                          `/connections/${encodeURIComponent(c.name)}/test`,
                        );
                        setTested((t) => ({
                          ...t,
                          [c.name]: r.ok ? `ok (${r.operation})` : `failed: ${r.error?.message ?? ""}`,
                        }));
                      } catch (e) {
                        setTested((t) => ({ ...t, [c.name]: `failed: ${(e as Error).message}` }));
                      }
                    }}
                  >
                    Test
                  </button>
                )}
                {tested[c.name] && (
                  <span className="test-result" role="status">
                    {" "}
                    {tested[c.name]}
                  </span>
                )}
                {session.can("admin") && (
                  <button
                    type="button"
                    className="danger"
                    onClick={async () => {
                      if (!window.confirm(`Delete the connection ${c.name}?`)) return;
                      try {
                        await api("DELETE", `/connections/${encodeURIComponent(c.name)}`);
                      } catch (e) {
                        setError(e);
                      }
                      void client.invalidateQueries({ queryKey: ["connections"] });
                    }}
                  >
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {session.can("admin") && connectors.data && <AddConnection connectors={connectors.data.items} />}
    </main>
  );
}

function AddConnection({ connectors }: { connectors: Connector[] }) {
  const client = useQueryClient();
  const [connector, setConnector] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState("");
  const chosen = connectors.find((c) => c.name === connector);
  return (
    <section className="card">
      <h2>Add a connection</h2>
      <div className="row">
        <label>
          Connector
          <select name="connector" value={connector} onChange={(e) => setConnector(e.target.value)}>
            <option value="">choose…</option>
            {connectors.map((c) => (
              <option key={c.name} value={c.name}>
                {c.title} ({c.name})
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input
            name="connection-name"
            value={name}
            maxLength={63}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
      </div>
      {chosen && (
        <SchemaForm
          key={chosen.name}
          schema={chosen.connection}
          uiSchema={secretUi(chosen.connection)}
          submitLabel="Save connection"
          onSubmit={async (config) => {
            setError(undefined);
            try {
              await api("POST", "/connections", { name, connector: chosen.name, config });
              setSaved(`Saved ${name}.`);
              // The form unmounts with what was typed: a secret does not stay in the page once saved.
              setConnector("");
              setName("");
              void client.invalidateQueries({ queryKey: ["connections"] });
            } catch (e) {
              setError(e);
            }
          }}
        />
      )}
      {saved && <p role="status">{saved}</p>}
      <ErrorNote error={error} />
    </section>
  );
}
