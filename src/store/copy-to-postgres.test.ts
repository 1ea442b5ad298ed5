import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import pg from "pg";
import { DATABASES, type FreshDatabase, freshDatabase } from "../../test/support/databases.ts";
import { AuditLog } from "./audit.ts";
import { STORE_TABLES } from "./copy-to-postgres.ts";
import { type Database, openDatabase } from "./database.ts";
import { migrateToPostgres } from "./migrate-to-postgres.ts";
import { SqlRunStore } from "./runs.ts";
import { UserStore } from "./users.ts";

const postgres = DATABASES.find((k) => k.name === "postgres")!;

for (const kind of DATABASES)
  test(`the copy knows every table the migrations create (${kind.name})`, { skip: kind.skip }, async () => {
    const root = mkdtempSync(join(tmpdir(), "rampart-copy-tables-"));
    const fresh = await freshDatabase(kind);
    const database = await fresh.open(root);
    try {
      const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
      const schema = kind.name === "postgres" ? "public" : undefined;
      assert.deepEqual(
        tables
          .filter((t) => t.schema === schema)
          .map((t) => t.name)
          .sort(),
        [...STORE_TABLES, "rampart_migration", "rampart_migration_lock"].sort(),
      );
    } finally {
      await database.close();
      await fresh.drop();
      rmSync(root, { recursive: true, force: true });
    }
  });

/** Rows of every table, keyed by table, in primary-key order. */
async function contents(db: Kysely<any>): Promise<Record<string, unknown[]>> {
  const all: Record<string, unknown[]> = {};
  for (const table of STORE_TABLES) {
    const rows = await db.selectFrom(table).selectAll().execute();
    all[table] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return all;
}

async function onTarget(url: string, statement: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
}

describe("migrateToPostgres (real SQLite into real PostgreSQL)", { skip: postgres.skip }, () => {
  let root: string;
  let dataDir: string;
  let source: Database;
  let fresh: FreshDatabase[] = [];
  const target = async () => {
    const made = await freshDatabase(postgres);
    fresh.push(made);
    return made.url!;
  };
  const audit = (db: Kysely<any>, action: string) =>
    new AuditLog(db).append({ actor: "local:test", action, result: "ok", status: 0 });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "rampart-copy-"));
    dataDir = join(root, "data");
    source = await openDatabase({ dataDir });
    for (const action of ["one", "two", "three", "four", "five"]) await audit(source.db, action);
    // SQLite's AUTOINCREMENT gave out id 5; the copy must never hand it out again.
    await source.db.deleteFrom("audit_log").where("id", "=", 5).execute();
    await new UserStore(source.db).add({ name: "alice", role: "admin", password: "correct horse battery" });
    await source.close();
  });
  after(async () => {
    await Promise.all(fresh.map((f) => f.drop()));
    fresh = [];
    rmSync(root, { recursive: true, force: true });
  });

  test("batches smaller than a table copy it whole; new ids continue past every id SQLite gave out", async () => {
    const url = await target();
    const report = await migrateToPostgres({ dataDir, url, batchSize: 2 });
    assert.equal(report.tables.find((t) => t.table === "audit_log")?.rows, 4);
    const copy = await openDatabase({ dataDir, url });
    const original = await openDatabase({ dataDir });
    try {
      assert.deepEqual(await contents(copy.db), await contents(original.db));
      await audit(copy.db, "after");
      const newest = await copy.db
        .selectFrom("audit_log")
        .select(["id", "action"])
        .orderBy("id", "desc")
        .limit(1)
        .execute();
      assert.deepEqual(newest, [{ id: 6, action: "after" }]);
    } finally {
      await copy.close();
      await original.close();
    }
  });

  test("a run a live process holds is refused unless forced, and the refusal leaves the target empty", async () => {
    const leasedDir = join(root, "leased");
    const database = await openDatabase({ dataDir: leasedDir });
    const now = Date.now();
    await new SqlRunStore(database).createRun({
      id: "run-live",
      playbookName: "p",
      playbookPath: "/p.yaml",
      playbookHash: "h",
      sources: { "/p.yaml": "name: p" },
      inputs: {},
      connections: {},
      alert: null,
      rerunOf: null,
      owner: "serve-on-another-terminal",
      leaseUntil: new Date(now + 60_000).toISOString(),
      createdAt: new Date(now).toISOString(),
    });
    await database.close();
    const url = await target();
    await assert.rejects(
      migrateToPostgres({ dataDir: leasedDir, url }),
      (error: Error & { field?: string }) => {
        assert.equal(error.name, "ConflictError");
        assert.equal(error.field, "--force");
        assert.match(error.message, /1 run\(s\) a process is executing now \(run-live\)/);
        return true;
      },
    );
    assert.deepEqual(await onTarget(url, "select count(*)::int as n from runs"), [{ n: 0 }]);
    const forced = await migrateToPostgres({ dataDir: leasedDir, url, force: true });
    assert.deepEqual(forced.leasedRuns, ["run-live"]);
    assert.deepEqual(await onTarget(url, "select id, owner from runs"), [
      { id: "run-live", owner: "serve-on-another-terminal" },
    ]);
  });

  test("a failure while copying leaves the target without a row", async () => {
    const url = await target();
    // The schema is there already (as after an earlier attempt); the last table takes its first batch
    // (ids 1 and 2), after users were copied, and refuses the second.
    (await openDatabase({ dataDir: join(root, "schema-only"), url })).close();
    await onTarget(
      url,
      `create function refuse() returns trigger language plpgsql as $$ begin raise exception 'disk full'; end $$;
       create trigger refuse before insert on audit_log for each row when (new.id >= 3) execute function refuse();`,
    );
    await assert.rejects(
      migrateToPostgres({ dataDir, url, batchSize: 2 }),
      /^Error: copying audit_log failed, nothing was written to postgres:\/\/\S+: disk full$/,
    );
    for (const table of STORE_TABLES)
      assert.deepEqual(await onTarget(url, `select count(*)::int as n from ${table}`), [{ n: 0 }], table);
  });

  test("a database with tables of something else is refused before any is created", async () => {
    const url = await target();
    await onTarget(url, "create table invoices (id int primary key)");
    await assert.rejects(migrateToPostgres({ dataDir, url }), (error: Error & { field?: string }) => {
      assert.equal(error.name, "ConflictError");
      assert.equal(error.field, "--to");
      assert.match(error.message, /has tables Rampart does not create \(invoices\)/);
      return true;
    });
    assert.deepEqual(await onTarget(url, "select tablename from pg_tables where schemaname = 'public'"), [
      { tablename: "invoices" },
    ]);
  });
});
