import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.ts";
import type { Role } from "../api/types.ts";
import { CopyButton, ErrorNote } from "../components/bits.tsx";
import { when } from "../format.ts";

const ROLES: Role[] = ["viewer", "responder", "admin"];

export function AdminPage() {
  return (
    <main className="wide">
      <h1>Admin</h1>
      <Users />
      <Tokens />
      <Audit />
    </main>
  );
}

function Users() {
  const client = useQueryClient();
  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => api<{ items: Array<{ name: string; role: Role; created_at: string }> }>("GET", "/users"),
  });
  const [form, setForm] = useState({ name: "", role: "viewer" as Role, password: "" });
  const [error, setError] = useState<unknown>();
  return (
    <section className="card">
      <h2>Users</h2>
      <ErrorNote error={users.error ?? error} />
      <table className="plain">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Since</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.items.map((u) => (
            <tr key={u.name}>
              <td>{u.name}</td>
              <td>{u.role}</td>
              <td>{when(u.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="row"
        aria-label="Add a user"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            await api("POST", "/users", form);
            setForm({ name: "", role: "viewer", password: "" });
            void client.invalidateQueries({ queryKey: ["users"] });
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label>
          Name
          <input
            name="user-name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            required
          />
        </label>
        <label>
          Role
          <select
            name="user-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          >
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Password (12+ characters)
          <input
            name="user-password"
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
            required
          />
        </label>
        <button type="submit">Add user</button>
      </form>
    </section>
  );
}

function Tokens() {
  const client = useQueryClient();
  const tokens = useQuery({
    queryKey: ["tokens"],
    queryFn: () =>
      api<{
        items: Array<{
          name: string;
          role: Role;
          created_by: string;
          created_at: string;
          expires_at?: string;
          last_used_at?: string;
          revoked_at?: string;
        }>;
      }>("GET", "/tokens"),
  });
  const [form, setForm] = useState({ name: "", role: "viewer" as Role });
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<unknown>();
  return (
    <section className="card">
      <h2>API tokens</h2>
      <ErrorNote error={tokens.error ?? error} />
      {secret && (
        <p className="secret" role="status">
          New token (shown once, copy it now): <code>{secret}</code>{" "}
          <CopyButton value={secret} label="the new token" />{" "}
          <button type="button" className="small" onClick={() => setSecret(undefined)}>
            Hide
          </button>
        </p>
      )}
      <table className="plain">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>By</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.data?.items.map((t) => (
            <tr key={t.name}>
              <td>{t.name}</td>
              <td>{t.role}</td>
              <td>{t.created_by}</td>
              <td>{when(t.created_at)}</td>
              <td>{when(t.expires_at)}</td>
              <td>{when(t.last_used_at)}</td>
              <td>
                {t.revoked_at ? (
                  `revoked ${when(t.revoked_at)}`
                ) : (
                  <button
                    type="button"
                    className="danger"
                    onClick={async () => {
                      try {
                        await api("DELETE", `/tokens/${encodeURIComponent(t.name)}`);
                      } catch (e) {
                        setError(e);
                      }
                      void client.invalidateQueries({ queryKey: ["tokens"] });
                    }}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="row"
        aria-label="Create a token"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            const created = await api<{ secret: string }>("POST", "/tokens", form);
            setSecret(created.secret);
            setForm({ name: "", role: "viewer" });
            void client.invalidateQueries({ queryKey: ["tokens"] });
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label>
          Name
          <input
            name="token-name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            required
          />
        </label>
        <label>
          Role
          <select
            name="token-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          >
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="submit">Create token</button>
      </form>
    </section>
  );
}

function Audit() {
  const audit = useQuery({
    queryKey: ["audit"],
    queryFn: () =>
      api<{
        items: Array<{
          id: number;
          at: string;
          actor: string;
          role?: string;
          address?: string;
          action: string;
          target?: string;
          result: string;
          status: number;
        }>;
      }>("GET", "/audit?limit=200"),
  });
  return (
    <section className="card">
      <h2>Audit log</h2>
      <ErrorNote error={audit.error} />
      <table className="plain">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Address</th>
            <th>Action</th>
            <th>Target</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {audit.data?.items.map((a) => (
            <tr key={a.id}>
              <td>{when(a.at)}</td>
              <td>
                {a.actor}
                {a.role ? ` (${a.role})` : ""}
              </td>
              <td>{a.address ?? ""}</td>
              <td>
                <code>{a.action}</code>
              </td>
              <td>{a.target ?? ""}</td>
              <td>
                {a.result} {a.status}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
