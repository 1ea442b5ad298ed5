import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { DATABASES, databaseForChildProcesses } from "../support/databases.ts";
import { rampart } from "../support/rampart-process.ts";
import { type ServeProcess, startServe } from "../support/serve-process.ts";

const ADMIN_PASSWORD = "admin-pass-7c1e9b2f";
const ROLES = ["viewer", "responder", "admin"] as const;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

for (const kind of DATABASES)
  describe(`rampart serve: who may do what (${kind.name})`, { skip: kind.skip }, () => {
    let restoreDatabase = async () => {};
    let dataDir: string;
    let serve: ServeProcess;
    const tokens: Record<string, string> = {};
    const secrets: string[] = [ADMIN_PASSWORD];

    async function call(
      method: string,
      path: string,
      options: { token?: string; cookie?: string; csrf?: string; body?: unknown } = {},
    ): Promise<Answer> {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.cookie) headers.cookie = options.cookie;
      if (options.csrf) headers["x-csrf-token"] = options.csrf;
      if (options.body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(`${serve.url}${path}`, {
        method: method.toUpperCase(),
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      // A live event stream never ends: its status and headers are the answer.
      if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
        await res.body?.cancel();
        return { status: res.status, body: undefined, headers: res.headers };
      }
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: res.status, body, headers: res.headers };
    }

    async function login(
      name: string,
      password: string,
    ): Promise<{ cookie: string; csrf: string; answer: Answer }> {
      const answer = await call("POST", "/api/v1/auth/login", { body: { name, password } });
      const cookies = answer.headers.getSetCookie();
      const cookie = cookies.map((c) => c.split(";")[0]).join("; ");
      return { cookie, csrf: answer.body?.csrf_token, answer };
    }

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "rampart-api-access-"));
      restoreDatabase = await databaseForChildProcesses(kind);
      const added = await rampart(
        ["--data-dir", dataDir, "user", "add", "root", "--role", "admin", "--password-stdin"],
        `${ADMIN_PASSWORD}\n`,
      );
      assert.equal(added.code, 0, added.stderr);
      for (const role of ROLES) {
        const created = await rampart([
          "--data-dir",
          dataDir,
          "token",
          "create",
          `t-${role}`,
          "--role",
          role,
        ]);
        assert.equal(created.code, 0, created.stderr);
        tokens[role] = created.stdout.trim();
        secrets.push(tokens[role]!);
      }
      const playbooks = join(dataDir, "playbooks");
      mkdirSync(playbooks);
      writeFileSync(
        join(playbooks, "token-hook.yaml"),
        "name: token-hook\ntrigger:\n  webhook: { auth: token }\nstart: done\nsteps:\n  done: { type: end, status: success }\n",
      );
      serve = await startServe(["--data-dir", dataDir, "--playbooks", playbooks]);
      // The PostgreSQL variant keeps nothing in the data dir but the key.
      assert.equal(existsSync(join(dataDir, "rampart.db")), kind.name === "sqlite");
    });

    after(async () => {
      await serve?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await restoreDatabase();
    });

    test("the OpenAPI document is valid OpenAPI 3.1 and says who may call each operation", async () => {
      const doc = (await call("GET", "/api/v1/openapi.json")).body;
      assert.equal(doc.openapi, "3.1.0");
      await SwaggerParser.validate(structuredClone(doc));
      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>))
        for (const [method, op] of Object.entries(item))
          assert.ok(
            ["public", ...ROLES].includes(op["x-rampart-access"]),
            `${method} ${path} names its access`,
          );
      const reference = await fetch(`${serve.url}/api/docs/`);
      assert.equal(reference.status, 200);
    });

    test("every route refuses no credentials, a role too low, a revoked or expired token and a forged cookie", async () => {
      const doc = (await call("GET", "/api/v1/openapi.json")).body;
      const revoked = await rampart([
        "--data-dir",
        dataDir,
        "token",
        "create",
        "t-revoked",
        "--role",
        "admin",
      ]);
      const revokedToken = revoked.stdout.trim();
      assert.equal((await rampart(["--data-dir", dataDir, "token", "revoke", "t-revoked"])).code, 0);
      const expiring = await rampart([
        "--data-dir",
        dataDir,
        "token",
        "create",
        "t-expiring",
        "--role",
        "admin",
        "--expires",
        "1s",
      ]);
      const expiredToken = expiring.stdout.trim();
      await new Promise((r) => setTimeout(r, 1200));
      const forged = "rampart_session=rps_forged0000000000000000000000000000000000000";
      let checked = 0;
      for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
        const path = template.replace(/\{[^}]+\}/g, "x");
        for (const [method, op] of Object.entries(item)) {
          const access = op["x-rampart-access"] as string;
          if (access === "public") continue;
          const body = ["post", "put", "patch"].includes(method) ? {} : undefined;
          const where = `${method.toUpperCase()} ${template}`;
          assert.equal((await call(method, path, { body })).status, 401, `${where} without credentials`);
          assert.equal(
            (await call(method, path, { body, token: revokedToken })).status,
            401,
            `${where} with a revoked token`,
          );
          assert.equal(
            (await call(method, path, { body, token: expiredToken })).status,
            401,
            `${where} with an expired token`,
          );
          assert.equal(
            (await call(method, path, { body, cookie: forged })).status,
            401,
            `${where} with a forged cookie`,
          );
          for (const role of ROLES) {
            const allowed = ROLES.indexOf(role) >= ROLES.indexOf(access as (typeof ROLES)[number]);
            const status = (await call(method, path, { body, token: tokens[role] })).status;
            if (allowed) assert.notEqual(status, 403, `${where} as ${role}`);
            else assert.equal(status, 403, `${where} as ${role}`);
          }
          checked++;
        }
      }
      assert.ok(checked >= 10, `walked ${checked} operations`);
    });

    test("a webhook with token auth takes a responder's or an admin's token, and refuses a viewer's, a revoked one and none", async () => {
      const deliver = (token?: string) =>
        fetch(`${serve.url}/hooks/token-hook?wait=10s`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: "{}",
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { status?: string } }));
      for (const role of ["responder", "admin"] as const) {
        const answer = await deliver(tokens[role]);
        assert.equal(answer.status, 200, `${role}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.status, "succeeded");
      }
      const revoked = (
        await rampart(["--data-dir", dataDir, "token", "create", "t-hook-revoked", "--role", "admin"])
      ).stdout.trim();
      assert.equal((await rampart(["--data-dir", dataDir, "token", "revoke", "t-hook-revoked"])).code, 0);
      for (const token of [tokens.viewer, revoked, "rpt_not-a-token", undefined]) {
        const answer = await deliver(token);
        assert.equal(
          answer.status,
          401,
          `${token === undefined ? "no token" : "a refused token"}: ${JSON.stringify(answer.body)}`,
        );
        assert.ok(!JSON.stringify(answer.body).includes(token ?? "\u0000"), "the token is not echoed");
      }
      const { items } = (await call("GET", "/api/v1/runs?playbook=token-hook", { token: tokens.admin })).body;
      assert.deepEqual(
        items.map((r: { cause?: { kind: string } }) => r.cause?.kind).sort(),
        ["webhook", "webhook"],
        "only the two accepted deliveries started runs",
      );
    });

    test("a session: the cookie is HttpOnly and SameSite=Strict, writes need the CSRF header, logout ends it", async () => {
      const { cookie, csrf, answer } = await login("root", ADMIN_PASSWORD);
      assert.equal(answer.status, 200);
      const session = answer.headers.getSetCookie().find((c) => c.startsWith("rampart_session="))!;
      assert.match(session, /HttpOnly/i);
      assert.match(session, /SameSite=Strict/i);
      assert.equal((await call("GET", "/api/v1/auth/me", { cookie })).body.user.name, "root");
      const add = { name: "ana", role: "responder", password: "responder-pass-31f0" };
      secrets.push(add.password);
      const noCsrf = await call("POST", "/api/v1/users", { cookie, body: add });
      assert.equal(noCsrf.status, 403);
      assert.match(noCsrf.body.error.message, /x-csrf-token/);
      assert.equal((await call("POST", "/api/v1/users", { cookie, csrf, body: add })).status, 201);
      assert.equal((await call("POST", "/api/v1/auth/logout", { cookie, csrf })).status, 204);
      assert.equal((await call("GET", "/api/v1/auth/me", { cookie })).status, 401);
    });

    test("a wrong password or an unknown name is one 401, and both are audited", async () => {
      const wrong = await login("root", "not-the-password");
      assert.equal(wrong.answer.status, 401);
      assert.equal(wrong.answer.body.error.type, "UnauthenticatedError");
      const unknown = await login("nobody", "whatever-password");
      assert.equal(unknown.answer.status, 401);
      assert.equal(unknown.answer.body.error.message, wrong.answer.body.error.message);
      const audit = (await call("GET", "/api/v1/audit?action=login&limit=10", { token: tokens.admin })).body
        .items;
      assert.ok(
        audit.some((e: any) => e.target === "name=nobody" && e.result === "refused" && e.status === 401),
      );
      assert.ok(audit.some((e: any) => e.target === "name=root" && e.result === "ok"));
    });

    test("bad input is a 400 naming the field", async () => {
      const missing = await call("POST", "/api/v1/users", {
        token: tokens.admin,
        body: { name: "x1", role: "viewer" },
      });
      assert.equal(missing.status, 400);
      assert.deepEqual([missing.body.error.type, missing.body.error.field], ["ValidationError", "password"]);
      const role = await call("POST", "/api/v1/users", {
        token: tokens.admin,
        body: { name: "x1", role: "root", password: "long enough password" },
      });
      assert.equal(role.body.error.field, "role");
      const short = await call("POST", "/api/v1/users", {
        token: tokens.admin,
        body: { name: "x1", role: "viewer", password: "short" },
      });
      assert.deepEqual([short.status, short.body.error.field], [400, "password"]);
      const extra = await call("POST", "/api/v1/tokens", {
        token: tokens.admin,
        body: { name: "t", role: "viewer", scope: "all" },
      });
      assert.deepEqual([extra.status, extra.body.error.field], [400, "scope"]);
      const limit = await call("GET", "/api/v1/audit?limit=0", { token: tokens.admin });
      assert.deepEqual([limit.status, limit.body.error.field], [400, "limit"]);
      const cursor = await call("GET", "/api/v1/audit?cursor=nonsense", { token: tokens.admin });
      assert.deepEqual([cursor.status, cursor.body.error.field], [400, "cursor"]);
      const json = await fetch(`${serve.url}/api/v1/users`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.admin}`, "content-type": "application/json" },
        body: "{not json",
      });
      assert.equal(json.status, 400);
      assert.equal(((await json.json()) as any).error.field, "body");
      const taken = await call("POST", "/api/v1/users", {
        token: tokens.admin,
        body: { name: "root", role: "viewer", password: "long enough password" },
      });
      assert.deepEqual([taken.status, taken.body.error.type], [409, "ConflictError"]);
      const last = await call("DELETE", "/api/v1/users/root", { token: tokens.admin });
      assert.deepEqual([last.status, last.body.error.type], [409, "ConflictError"]);
    });

    test("an API token's secret is in its creation answer only; a revoked one stops at once", async () => {
      const created = await call("POST", "/api/v1/tokens", {
        token: tokens.admin,
        body: { name: "siem", role: "responder", expires_in_days: 30 },
      });
      assert.equal(created.status, 201);
      const secret = created.body.secret as string;
      secrets.push(secret);
      assert.match(secret, /^rpt_/);
      assert.equal((await call("GET", "/api/v1/auth/me", { token: secret })).body.user.name, "siem");
      const listed = await call("GET", "/api/v1/tokens", { token: tokens.admin });
      assert.ok(!JSON.stringify(listed.body).includes(secret));
      assert.ok(listed.body.items.find((t: any) => t.name === "siem").last_used_at);
      const grant = await call("POST", "/api/v1/tokens", {
        token: tokens.admin,
        body: { name: "siem", role: "admin" },
      });
      assert.equal(grant.status, 409);
      assert.equal((await call("DELETE", "/api/v1/tokens/siem", { token: tokens.admin })).status, 200);
      assert.equal((await call("GET", "/api/v1/auth/me", { token: secret })).status, 401);
    });

    test("every state-changing request is one audit row with who, role, address and result, and no secret", async () => {
      const page = await call("GET", "/api/v1/audit?limit=500", { token: tokens.admin });
      const rows = page.body.items as any[];
      assert.ok(
        rows.some(
          (e) =>
            e.action === "POST /api/v1/users" &&
            e.actor === "root" &&
            e.role === "admin" &&
            e.address &&
            e.status === 201,
        ),
      );
      assert.ok(
        rows.some((e) => e.action === "POST /api/v1/users" && e.result === "refused" && e.status === 403),
      );
      assert.ok(rows.some((e) => e.action === "DELETE /api/v1/tokens/:name" && e.target === "name=siem"));
      assert.ok(rows.some((e) => e.action === "user add" && e.actor.startsWith("local")));
      const first = await call("GET", "/api/v1/audit?limit=2", { token: tokens.admin });
      const next = await call("GET", `/api/v1/audit?limit=2&cursor=${first.body.next_cursor}`, {
        token: tokens.admin,
      });
      assert.ok(
        next.body.items[0].id < first.body.items[1].id + 1 &&
          next.body.items[0].id !== first.body.items[0].id,
      );
      const everything = `${JSON.stringify(rows)}\n${serve.output()}`;
      for (const secret of secrets)
        assert.ok(!everything.includes(secret), "a secret reached the audit log or the service log");
      const cli = await rampart(["--data-dir", dataDir, "audit", "list", "--limit", "500", "--json"]);
      assert.equal(cli.code, 0, cli.stderr);
      for (const secret of secrets) assert.ok(!cli.stdout.includes(secret));
    });

    test("health, readiness and metrics", async () => {
      assert.deepEqual((await call("GET", "/healthz")).body, { status: "ok" });
      assert.deepEqual((await call("GET", "/readyz")).body, { status: "ready" });
      const metrics = await call("GET", "/metrics", { token: tokens.viewer });
      assert.match(
        metrics.body,
        /rampart_http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/users"/,
      );
    });

    test("sign-in attempts are limited per address, and the refused ones are audited too", async () => {
      const malformed = await call("POST", "/api/v1/auth/login", { body: { name: "root" } });
      assert.deepEqual([malformed.status, malformed.body.error.field], [400, "password"]);
      let status = 0;
      for (let i = 0; i < 12 && status !== 429; i++)
        status = (await login("root", "wrong-password-x")).answer.status;
      assert.equal(status, 429);
      const limited = await login("root", ADMIN_PASSWORD);
      assert.equal(limited.answer.status, 429);
      assert.equal(limited.answer.body.error.type, "TooManyRequestsError");
      // A row refused before the handler is written once the answer is sent: read until it is there.
      let rows: any[] = [];
      for (let i = 0; i < 50; i++) {
        rows = (await call("GET", "/api/v1/audit?action=login&limit=500", { token: tokens.admin })).body
          .items;
        if (rows.filter((e) => e.status === 429).length >= 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(rows.filter((e) => e.status === 429).length, 2, "each limited attempt is one row");
      assert.ok(rows.every((e) => e.action === "login" && e.result !== "failed"));
      assert.equal(rows.filter((e) => e.status === 400 && e.actor === "anonymous").length, 1);
    });

    test("SIGTERM stops the service with exit 0", async () => {
      assert.equal(await serve.stop("SIGTERM"), 0);
      assert.match(serve.output(), /stopped/);
    });
  });

describe("rampart serve refuses what it must", () => {
  test("a non-loopback address while no user exists", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rampart-api-nouser-"));
    try {
      const run = await rampart(["--data-dir", dataDir, "serve", "--host", "0.0.0.0", "--port", "0"]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /no user exists yet: create the first admin/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("a password as an argument is not a thing: without a terminal it must come from --password-stdin", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rampart-api-nopass-"));
    try {
      const run = await rampart(["--data-dir", dataDir, "user", "add", "x", "--role", "admin"]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--password-stdin/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
