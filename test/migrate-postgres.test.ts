/**
 * `rampart migrate --to postgres://…` end to end, through real processes: a data dir filled by the
 * CLI and `rampart serve` against the lab's simulators (every table holds rows), copied into a new
 * PostgreSQL database, compared row by row, and then used: alerts listed, connections decrypted and
 * tested, the API token and the browser session accepted, the parked run approved to its end.
 *
 * RAMPART_TEST_PORT_BASE, when set, is the first of the ports the simulators and servers take (a
 * shared machine); otherwise they take free ports.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import { signDelivery } from "../src/api/webhooks/signature.ts";
import { type Lab, startLab } from "../src/lab/lab.ts";
import { STORE_TABLES } from "../src/store/copy-to-postgres.ts";
import { openDatabase } from "../src/store/database.ts";
import { DATABASES, type FreshDatabase, freshDatabase } from "./support/databases.ts";
import { type Finished, rampart } from "./support/rampart-process.ts";
import { startServe } from "./support/serve-process.ts";

const postgres = DATABASES.find((k) => k.name === "postgres")!;
const PORT_BASE = Number(process.env.RAMPART_TEST_PORT_BASE ?? 0);
const portArgs = (offset: number) => (PORT_BASE ? ["--port", String(PORT_BASE + offset)] : []);
const PASSWORD = "migrate-me-intact-42";

/** A table's rows in a stable order, each as sorted [column, value] pairs: values compared with their types. */
async function rowsOf(db: Kysely<any>, table: string): Promise<string[]> {
  const rows = await db.selectFrom(table).selectAll().execute();
  return rows
    .map((row) =>
      JSON.stringify(
        Object.keys(row)
          .sort()
          .map((column) => [column, row[column]]),
      ),
    )
    .sort();
}

async function everyTable(dataDir: string, url?: string): Promise<Record<string, string[]>> {
  const database = await openDatabase(url ? { dataDir, url } : { dataDir });
  try {
    const all: Record<string, string[]> = {};
    for (const table of STORE_TABLES) all[table] = await rowsOf(database.db, table);
    return all;
  } finally {
    await database.close();
  }
}

const counts = (all: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(all).map(([table, rows]) => [table, rows.length]));

function ok(result: Finished, what: string): Finished {
  assert.equal(result.code, 0, `${what}: ${result.stderr}`);
  return result;
}

describe("rampart migrate: a data dir into PostgreSQL, through real processes", {
  skip: postgres.skip,
}, () => {
  let lab: Lab;
  let root: string;
  let dataDir: string;
  let fresh: FreshDatabase;
  let url: string;
  const previousDatabaseUrl = process.env.RAMPART_DATABASE_URL;
  const cli = (args: string[], stdin?: string) => rampart(["--data-dir", dataDir, ...args], stdin);
  const onPostgres = (args: string[], stdin?: string) => cli(["--database", url, ...args], stdin);
  let token: string;
  let cookie: string;
  let parkedRun: string;
  let acknowledgedLater: string;
  let before_: Record<string, string[]>;

  before(async () => {
    // The first half builds the embedded store: nothing may send it to a database from the environment.
    delete process.env.RAMPART_DATABASE_URL;
    lab = await startLab({ only: ["thinkst-canary", "irondefense"], seed: 14, port: PORT_BASE });
    root = mkdtempSync(join(tmpdir(), "rampart-migrate-"));
    dataDir = join(root, "data");
    const canary = lab.get("thinkst-canary");
    const irondefense = lab.get("irondefense");
    const feed = (await (await fetch(`${canary.url}/__sim/state`)).json()) as {
      incidents: Array<{ id: string }>;
    };
    const [first, second] = feed.incidents.map((i) => i.id) as [string, string];
    acknowledgedLater = second;
    // One record no alert can be made of: a reject.
    await fetch(`${canary.url}/__sim/incidents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ incidents: [{ id: " ", summary: "no key", updated_time: "1586249623" }] }),
    });

    for (const sim of [canary, irondefense]) {
      ok(
        await cli([
          "connection",
          "add",
          sim.connector,
          "--connector",
          sim.connector,
          "--config",
          JSON.stringify(sim.config),
        ]),
        `connection add ${sim.connector}`,
      );
      ok(await cli(["source", "add", sim.connector, "--connection", sim.connector]), "source add");
    }

    const playbooks = join(root, "playbooks");
    mkdirSync(playbooks);
    writeFileSync(
      join(playbooks, "ack-first.yaml"),
      `name: ack-first
trigger:
  alert: { connector: thinkst-canary, when: '$parseJson(raw_data).id = "${first}"' }
connections:
  canary: { connector: thinkst-canary }
start: ack
steps:
  ack:
    type: call
    connection: canary
    operation: acknowledgeIncident
    input: { incident: "=$parseJson(alert.raw_data).id" }
`,
    );
    writeFileSync(
      join(playbooks, "hook.yaml"),
      `name: hook
trigger:
  webhook: {}
start: done
steps:
  done: { type: end, status: success, message: delivered }
`,
    );
    writeFileSync(
      join(playbooks, "tick.yaml"),
      `name: tick
trigger:
  schedule: { cron: "* * * * * *", catch_up: none }
start: done
steps:
  done: { type: end, status: success, message: ticked }
`,
    );
    const approval = join(root, "approve-then-ack.yaml");
    writeFileSync(
      approval,
      `name: approve-then-ack
connections:
  canary: { connector: thinkst-canary }
inputs:
  type: object
  required: [incident]
  properties: { incident: { type: string } }
outputs:
  acknowledged: "=steps.ack.output.key"
start: ask
steps:
  ask:
    type: approval
    message: "='Acknowledge ' & inputs.incident & '?'"
    timeout: 24h
    on_success: ack
  ack:
    type: call
    connection: canary
    operation: acknowledgeIncident
    input: { incident: "=inputs.incident" }
`,
    );

    // Ingest: alerts, a reject, the inbox, and the trigger's run acknowledging the first incident,
    // which the second poll stores as the alert's version 2.
    const ingested = JSON.parse(
      ok(await cli(["ingest", "--once", "--json", "--playbooks", playbooks]), "ingest").stdout,
    );
    assert.ok(
      ingested.every((r: { new: number }) => r.new > 0),
      JSON.stringify(ingested),
    );
    const again = JSON.parse(ok(await cli(["ingest", "--once", "--json"]), "ingest again").stdout);
    assert.equal(again.find((r: { source: string }) => r.source === "thinkst-canary").updated, 1);

    const parked = JSON.parse(
      ok(await cli(["run", approval, "--input", JSON.stringify({ incident: second }), "--json"]), "run")
        .stdout,
    );
    assert.equal(parked.status, "waiting");
    parkedRun = parked.runId;

    ok(
      await cli(["user", "add", "alice", "--role", "admin", "--password-stdin"], `${PASSWORD}\n`),
      "user add",
    );
    token = ok(await cli(["token", "create", "ci", "--role", "responder"]), "token create").stdout.trim();
    const webhookSecret = ok(await cli(["webhook", "secret", "hook"]), "webhook secret").stdout.trim();

    // The service on the embedded store: a sign-in (a session), a webhook delivery, schedule firings.
    const serve = await startServe(["--data-dir", dataDir, "--playbooks", playbooks, ...portArgs(20)]);
    try {
      const login = await fetch(`${serve.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "alice", password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const body = '{"from":"migrate test"}';
      const hooked = await fetch(`${serve.url}/hooks/hook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": "delivery-1",
          ...signDelivery(webhookSecret, body, Date.now() / 1000),
        },
        body,
      });
      assert.equal(hooked.status, 202, await hooked.text());
      const deadline = Date.now() + 15_000;
      for (;;) {
        const runs = await fetch(`${serve.url}/api/v1/runs?cause=schedule`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const page = (await runs.json()) as { items: unknown[] };
        if (page.items.length > 0) break;
        assert.ok(Date.now() < deadline, "a schedule firing within 15 s");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      assert.equal(await serve.stop(), 0, serve.output());
    }

    before_ = await everyTable(dataDir);
    for (const table of STORE_TABLES) assert.ok(before_[table]!.length > 0, `the data dir has ${table} rows`);

    fresh = await freshDatabase(postgres);
    url = fresh.url!;
  });

  after(async () => {
    await lab?.close();
    await fresh?.drop();
    rmSync(root, { recursive: true, force: true });
    if (previousDatabaseUrl !== undefined) process.env.RAMPART_DATABASE_URL = previousDatabaseUrl;
  });

  test("copies every table row for row, in batches, and prints the counts without a secret", async () => {
    // Batches of 7 put several batch boundaries in every large table.
    const migrated = ok(await cli(["migrate", "--to", url, "--batch-size", "7", "--json"]), "migrate");
    const report = JSON.parse(migrated.stdout) as { tables: Array<{ table: string; rows: number }> };
    assert.deepEqual(Object.fromEntries(report.tables.map((t) => [t.table, t.rows])), counts(before_));
    assert.ok(!`${migrated.stdout}${migrated.stderr}`.includes(token));
    const copied = await everyTable(dataDir, url);
    for (const table of STORE_TABLES) assert.deepEqual(copied[table], before_[table], table);
    assert.deepEqual(await everyTable(dataDir), before_, "the data dir is left as it was");
  });

  test("the copy works: alerts, decrypted connections, the token and the session, the parked run", async () => {
    const alerts = JSON.parse(
      ok(await onPostgres(["alerts", "list", "--limit", "1000", "--json"]), "alerts").stdout,
    );
    assert.equal(alerts.length, before_.alerts!.length);
    ok(await onPostgres(["connection", "test", "thinkst-canary"]), "connection test");
    // Both sources poll with their decrypted configs from their copied checkpoints: nothing is new.
    const polled = JSON.parse(
      ok(await onPostgres(["ingest", "--once", "--json"]), "ingest").stdout,
    ) as Array<{
      source: string;
      new: number;
      error?: unknown;
    }>;
    assert.deepEqual(polled.map((r) => [r.source, r.new, r.error]).sort(), [
      ["irondefense", 0, undefined],
      ["thinkst-canary", 0, undefined],
    ]);

    const empty = join(root, "no-playbooks");
    mkdirSync(empty, { recursive: true });
    const serve = await startServe([
      "--data-dir",
      dataDir,
      "--database",
      url,
      "--playbooks",
      empty,
      ...portArgs(21),
    ]);
    try {
      const get = (path: string, headers: Record<string, string>) =>
        fetch(`${serve.url}${path}`, { headers });
      const who = async (headers: Record<string, string>) => {
        const me = await get("/api/v1/auth/me", headers);
        return me.status === 200 ? ((await me.json()) as { user: { name: string } }).user.name : me.status;
      };
      assert.equal(await who({ authorization: `Bearer ${token}` }), "ci", "the API token authenticates");
      assert.equal(await who({ authorization: `Bearer ${token}x` }), 401);
      assert.equal(
        await who({ cookie }),
        "alice",
        "the session signed in before the migration is still valid",
      );
      assert.equal((await get("/api/v1/alerts?limit=1", { authorization: `Bearer ${token}` })).status, 200);
      const login = await fetch(`${serve.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "alice", password: PASSWORD }),
      });
      assert.equal(login.status, 200, "the password hash came across");
    } finally {
      assert.equal(await serve.stop(), 0, serve.output());
    }

    const approved = JSON.parse(
      ok(await onPostgres(["runs", "approve", parkedRun, "--json"]), "approve").stdout,
    );
    assert.equal(approved.status, "succeeded");
    assert.deepEqual(approved.outputs, { acknowledged: acknowledgedLater });
    const sim = (await (await fetch(`${lab.get("thinkst-canary").url}/__sim/state`)).json()) as {
      incidents: Array<{ id: string; acknowledged: unknown }>;
    };
    assert.equal(String(sim.incidents.find((i) => i.id === acknowledgedLater)?.acknowledged), "True");

    // New rows get ids of their own: the audit log's identity continues after the copied rows.
    const copiedIds = before_.audit_log!.map(
      (row) => (Object.fromEntries(JSON.parse(row)) as { id: number }).id,
    );
    ok(
      await onPostgres(["user", "add", "bob", "--role", "viewer", "--password-stdin"], `${PASSWORD}\n`),
      "user add",
    );
    const [newest] = JSON.parse(
      ok(await onPostgres(["audit", "list", "--limit", "1", "--json"]), "audit").stdout,
    );
    assert.equal(newest.target, "name=bob");
    assert.ok(newest.id > Math.max(...copiedIds), `${newest.id} follows the copied ids`);
  });

  test("a second migrate into the database, now holding rows, is refused and changes nothing", async () => {
    const held = await everyTable(dataDir, url);
    const refused = await cli(["migrate", "--to", url]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /^ConflictError: --to: postgres:\/\/\S+ is not empty: it has rows in connections \(2\), /,
    );
    assert.deepEqual(await everyTable(dataDir, url), held);
  });
});

describe("rampart migrate: refused input, each naming its option", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-migrate-input-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("a --to that is not a PostgreSQL URL, a data dir that is not there or holds no store, --database", async () => {
    const dataDir = join(root, "data");
    await (await openDatabase({ dataDir })).close();
    const cases: Array<[string[], number, RegExp]> = [
      [["--data-dir", dataDir, "migrate"], 2, /required option '--to <url>'/],
      [
        ["--data-dir", dataDir, "migrate", "--to", "mysql://db/rampart"],
        2,
        /^ValidationError: --to must be a postgres:\/\//,
      ],
      [
        ["--data-dir", join(root, "nope"), "migrate", "--to", "postgres://h/db"],
        2,
        /^ValidationError: --data-dir: there is no data dir at /,
      ],
      [
        ["--data-dir", root, "migrate", "--to", "postgres://h/db"],
        2,
        /^ValidationError: --data-dir: .* holds no embedded store/,
      ],
      [
        ["--data-dir", dataDir, "--database", "postgres://h/a", "migrate", "--to", "postgres://h/db"],
        2,
        /^UsageError: .*with --to, not --database/,
      ],
      [
        ["--data-dir", dataDir, "migrate", "--to", "postgres://h/db", "--batch-size", "0"],
        2,
        /^UsageError: --batch-size must be/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await rampart(args);
      assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(" "));
    }
  });

  test("an unreachable database fails with its URL but never its password", async () => {
    const dataDir = join(root, "reach");
    await (await openDatabase({ dataDir })).close();
    const failed = await rampart([
      "--data-dir",
      dataDir,
      "migrate",
      "--to",
      "postgres://rampart:s3cret-pass-word@127.0.0.1:1/rampart",
    ]);
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      /^ConnectionError: --to: cannot connect to postgres:\/\/rampart:\*\*\*@127\.0\.0\.1:1\/rampart: /,
    );
    assert.ok(!`${failed.stdout}${failed.stderr}`.includes("s3cret"));
  });
});
