import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import { DATABASES, type FreshDatabase, freshDatabase } from "../../test/support/databases.ts";
import type { RampartError } from "../connectors/sdk/index.ts";
import { AlertStore } from "./alerts.ts";
import { AuditLog } from "./audit.ts";
import { openDatabase } from "./database.ts";
import { checkDatabaseUrl, redactDatabaseUrl } from "./database-url.ts";
import { migrations } from "./migrations/index.ts";
import { SourceStore } from "./sources.ts";

const postgres = DATABASES.find((k) => k.name === "postgres")!;

describe("the store on PostgreSQL", { skip: postgres.skip }, () => {
  let root: string;
  let fresh: FreshDatabase;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), "rampart-pg-"));
    fresh = await freshDatabase(postgres);
  });
  after(async () => {
    await fresh.drop();
    rmSync(root, { recursive: true, force: true });
  });

  test("processes opening a new database at once migrate it once; the data dir gets no SQLite file", async () => {
    const opened = await Promise.all([1, 2, 3].map((i) => fresh.open(join(root, `p${i}`))));
    try {
      for (const database of opened) assert.equal(database.dialect, "postgres");
      const applied = await (opened[0]!.db as Kysely<any>)
        .selectFrom("rampart_migration")
        .select("name")
        .orderBy("name")
        .execute();
      assert.deepEqual(
        applied.map((r) => r.name),
        Object.keys(migrations),
      );
      assert.equal(existsSync(join(root, "p1", "rampart.db")), false);
    } finally {
      await Promise.all(opened.map((d) => d.close()));
    }
  });

  test("bigints, counts and identity columns read back as numbers, as on SQLite", async () => {
    const database = await fresh.open(join(root, "numbers"));
    try {
      const sources = new SourceStore(database.db, () => 1_800_000_000_123);
      await sources.add({ name: "s", connection: "c", connector: "x", intervalMs: 60_000 });
      const source = await sources.get("s");
      assert.equal(source?.createdAt, 1_800_000_000_123);
      assert.equal(source?.intervalMs, 60_000);
      const row = await database.db.selectFrom("sources").selectAll().executeTakeFirstOrThrow();
      assert.equal(typeof row.created_at, "number");
      assert.equal(await new AlertStore(database.db).count(), 0);
      const audit = new AuditLog(database.db);
      await audit.append({ actor: "a", action: "x", result: "ok", status: 200 });
      await audit.append({ actor: "a", action: "y", result: "ok", status: 200 });
      assert.deepEqual(
        (await audit.list()).entries.map((e) => [e.id, e.action]),
        [
          [2, "y"],
          [1, "x"],
        ],
      );
      const ids = await database.db.selectFrom("audit_log").select("id").orderBy("id").execute();
      assert.deepEqual(
        ids.map((r) => r.id),
        [1, 2],
      );
    } finally {
      await database.close();
    }
  });

  test("a server that refuses the connection fails the open without the URL's password", async () => {
    const url = "postgres://rampart:hunter2-very-secret@127.0.0.1:1/rampart";
    await assert.rejects(openDatabase({ dataDir: join(root, "refused"), url }), (error: Error) => {
      assert.match(
        error.message,
        /cannot open the database postgres:\/\/rampart:\*\*\*@127\.0\.0\.1:1\/rampart/,
      );
      assert.ok(!error.message.includes("hunter2"));
      return true;
    });
  });
});

describe("database URLs", () => {
  test("only postgres:// URLs are accepted, and the error names the field", () => {
    for (const bad of ["mysql://x/y", "rampart.db", "", "postgres://"]) {
      assert.throws(
        () => checkDatabaseUrl(bad, "--database"),
        (error: RampartError) => error.type === "ValidationError" && error.field === "--database",
        bad,
      );
    }
    assert.equal(checkDatabaseUrl(" postgresql://h/db ", "--database"), "postgresql://h/db");
  });

  test("a URL is shown without its password", () => {
    assert.equal(redactDatabaseUrl("postgres://u:p4ss@h:5432/db"), "postgres://u:***@h:5432/db");
    assert.equal(redactDatabaseUrl("postgres://u@h/db"), "postgres://u@h/db");
    assert.ok(!redactDatabaseUrl("postgres://u:p4ss@h:notaport/db").includes("p4ss"));
  });
});
