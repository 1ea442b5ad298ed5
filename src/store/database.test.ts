import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Kysely, sql } from "kysely";
import { type Database, migrate, openDatabase, resolveDataDir } from "./database.ts";
import { migrations } from "./migrations/index.ts";

describe("openDatabase", () => {
  let root: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-db-"));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  test("creates the data dir owner-only, the database file, and applies every migration", async () => {
    const dataDir = join(root, "fresh", "nested");
    const database = await openDatabase({ dataDir });
    try {
      assert.equal(database.dialect, "sqlite");
      assert.equal(database.dataDir, dataDir);
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      assert.ok(statSync(join(dataDir, "rampart.db")).isFile());
      // The migrations' own table is Kysely's, not part of RampartDb.
      const applied = await (database.db as Kysely<any>)
        .selectFrom("rampart_migration")
        .select("name")
        .orderBy("name")
        .execute();
      assert.deepEqual(
        applied.map((r) => r.name),
        Object.keys(migrations),
      );
      const { rows } = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(database.db);
      assert.equal(rows[0]?.journal_mode, "wal");
      const fk = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(database.db);
      assert.equal(fk.rows[0]?.foreign_keys, 1);
    } finally {
      await database.close();
    }
  });

  test("reopening keeps the data and runs no migration twice", async () => {
    const dataDir = join(root, "reopen");
    const first = await openDatabase({ dataDir });
    await first.db
      .insertInto("connections")
      .values({
        name: "kept",
        connector: "x",
        config_encrypted: "v1:a:b:c",
        created_at: "t",
        updated_at: "t",
      })
      .execute();
    await first.close();

    const second = await openDatabase({ dataDir });
    try {
      const applied = await (second.db as Kysely<any>).selectFrom("rampart_migration").selectAll().execute();
      assert.equal(applied.length, Object.keys(migrations).length);
      const rows = await second.db.selectFrom("connections").select("name").execute();
      assert.deepEqual(rows, [{ name: "kept" }]);
    } finally {
      await second.close();
    }
  });

  test("a migration merged after a later-numbered one has run is still applied", async () => {
    const database = await openDatabase({ dataDir: join(root, "unordered") });
    try {
      const table = (name: string) => ({
        up: async (db: Kysely<any>) => {
          await db.schema
            .createTable(name)
            .addColumn("id", "integer", (col) => col.primaryKey())
            .execute();
        },
      });
      await migrate(database.db, { ...migrations, "9001_late": table("late_b") });
      await migrate(database.db, {
        ...migrations,
        "9000_early": table("early_a"),
        "9001_late": table("late_b"),
      });
      const untyped = database.db as Kysely<any>;
      const applied = await untyped.selectFrom("rampart_migration").select("name").execute();
      assert.ok(applied.some((r) => r.name === "9000_early"));
      await untyped.insertInto("early_a").values({ id: 1 }).execute();
    } finally {
      await database.close();
    }
  });

  describe("transactions", () => {
    let database: Database;
    const row = (name: string) => ({
      name,
      connector: "x",
      config_encrypted: "v1:a:b:c",
      created_at: "t",
      updated_at: "t",
    });

    before(async () => {
      database = await openDatabase({ dataDir: join(root, "tx") });
    });
    after(async () => {
      await database.close();
    });

    test("a failure inside a transaction leaves nothing half-written", async () => {
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await trx.insertInto("connections").values(row("first")).execute();
          await trx.insertInto("connections").values(row("first")).execute(); // duplicate key
        }),
        /UNIQUE/,
      );
      const rows = await database.db.selectFrom("connections").selectAll().execute();
      assert.deepEqual(rows, []);
    });

    test("a thrown error rolls back, and the connection is usable afterwards", async () => {
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await trx.insertInto("connections").values(row("second")).execute();
          throw new Error("changed my mind");
        }),
        /changed my mind/,
      );
      await database.db.transaction().execute(async (trx) => {
        await trx.insertInto("connections").values(row("third")).execute();
      });
      const rows = await database.db.selectFrom("connections").select("name").execute();
      assert.deepEqual(rows, [{ name: "third" }]);
    });

    test("concurrent transactions are serialized on the one connection", async () => {
      const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
      await Promise.all(
        names.map((name) =>
          database.db.transaction().execute(async (trx) => {
            const before = await trx.selectFrom("connections").select("name").execute();
            await trx.insertInto("connections").values(row(name)).execute();
            const after = await trx.selectFrom("connections").select("name").execute();
            assert.equal(after.length, before.length + 1);
          }),
        ),
      );
      const count = await database.db
        .selectFrom("connections")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 11);
    });

    test("updates and deletes report the rows they touched", async () => {
      const updated = await database.db
        .updateTable("connections")
        .set({ updated_at: "later" })
        .where("name", "=", "third")
        .executeTakeFirst();
      assert.equal(updated.numUpdatedRows, 1n);
      const deleted = await database.db
        .deleteFrom("connections")
        .where("name", "=", "nobody")
        .executeTakeFirst();
      assert.equal(deleted.numDeletedRows, 0n);
    });
  });
});

describe("resolveDataDir", () => {
  test("prefers the flag, then RAMPART_HOME, then ./.rampart, always absolute", () => {
    assert.equal(resolveDataDir("/srv/r", { RAMPART_HOME: "/elsewhere" }), "/srv/r");
    assert.equal(resolveDataDir(undefined, { RAMPART_HOME: "/home/r" }), "/home/r");
    assert.equal(resolveDataDir(undefined, {}), join(process.cwd(), ".rampart"));
    assert.equal(resolveDataDir("rel", {}), join(process.cwd(), "rel"));
  });
});
