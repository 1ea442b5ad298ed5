import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, test } from "node:test";
import { Kysely, sql } from "kysely";
import { openSqliteFile } from "./database.ts";
import { NodeSqliteDialect } from "./sqlite-driver.ts";

interface Db {
  t: { k: string; v: number };
}

let dir: string;
let db: Kysely<Db>;
/** A second connection to the same file, as another process would read it. */
let other: DatabaseSync;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "rampart-sqlite-driver-"));
  const file = join(dir, "t.db");
  db = new Kysely<Db>({ dialect: new NodeSqliteDialect(openSqliteFile(file)) });
  await sql`create table t (k text primary key, v integer not null)`.execute(db);
  other = new DatabaseSync(file, { readOnly: true });
});

afterEach(async () => {
  other.close();
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const committed = (): string[] =>
  (other.prepare("select k from t order by k").all() as Array<{ k: string }>).map((r) => r.k);
const insert = (k: string, v = 1) => db.insertInto("t").values({ k, v }).execute();

test("concurrent writes share one commit, and each resolves only once it is committed", async () => {
  const writes = Array.from({ length: 20 }, (_, i) =>
    insert(`k${String(i).padStart(2, "0")}`).then(() => committed().length),
  );
  // Issued, executed, not yet committed: another connection sees none of them.
  assert.deepEqual(committed(), []);
  const seenWhenResolved = await Promise.all(writes);
  assert.ok(
    seenWhenResolved.every((n) => n === 20),
    `every write saw all 20 committed when it resolved: ${seenWhenResolved}`,
  );
  const dataVersion = () =>
    (other.prepare("pragma data_version").get() as { data_version: number }).data_version;
  const before = dataVersion();
  await Promise.all([insert("x1"), insert("x2"), insert("x3")]);
  assert.equal(dataVersion(), before + 1, "three writes in one turn are one commit");
});

test("a statement that fails inside a group is undone alone; the others commit", async () => {
  await insert("taken");
  const results = await Promise.allSettled([insert("a"), insert("taken"), insert("b")]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
  assert.deepEqual(committed(), ["a", "b", "taken"]);
});

test("an explicit transaction commits the open group first, and writes issued during it wait outside it", async () => {
  const early = insert("early");
  let lateDone = false;
  const transaction = db.transaction().execute(async (trx) => {
    // The group that was open when the transaction began is committed already.
    assert.deepEqual(committed(), ["early"]);
    await trx.insertInto("t").values({ k: "inside", v: 1 }).execute();
    const late = insert("late").then(() => {
      lateDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(lateDone, false, "a write from outside waits for the transaction to end");
    throw Object.assign(new Error("roll back"), { late });
  });
  await early;
  const error = (await transaction.then(
    () => assert.fail("the transaction should have failed"),
    (e: unknown) => e,
  )) as Error & { late: Promise<void> };
  assert.equal(error.message, "roll back");
  await error.late;
  assert.deepEqual(committed(), ["early", "late"], "the rollback undid only the transaction's own write");
});

test("a read while a group is open sees the group's writes and resolves after their commit", async () => {
  const write = insert("w", 7);
  const read = db
    .selectFrom("t")
    .select("v")
    .where("k", "=", "w")
    .executeTakeFirst()
    .then((row) => ({ row, committedThen: committed() }));
  const { row, committedThen } = await read;
  await write;
  assert.equal(row?.v, 7);
  assert.deepEqual(committedThen, ["w"]);
});

test("an update's affected-row count is its own, not the group's", async () => {
  await Promise.all([insert("a"), insert("b")]);
  const [one, none] = await Promise.all([
    db.updateTable("t").set({ v: 2 }).where("k", "=", "a").executeTakeFirst(),
    db.updateTable("t").set({ v: 2 }).where("k", "=", "missing").executeTakeFirst(),
  ]);
  assert.equal(one.numUpdatedRows, 1n);
  assert.equal(none.numUpdatedRows, 0n);
});

test("a raw BEGIN on a lent connection owns it until its COMMIT or ROLLBACK; others wait, then go on", async () => {
  await insert("before");
  let otherDone = false;
  const snapshot = db.connection().execute(async (conn) => {
    await sql`begin`.execute(conn);
    const seen = await conn.selectFrom("t").select("k").execute();
    const other = insert("during").then(() => {
      otherDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(otherDone, false, "a write from elsewhere waits for the raw transaction");
    await sql`rollback`.execute(conn);
    return { seen: seen.map((r) => r.k), other };
  });
  const { seen, other } = await snapshot;
  await other;
  assert.deepEqual(seen, ["before"]);
  assert.deepEqual(committed(), ["before", "during"]);
});

test("a COMMIT with no transaction of the caller's own is refused, and leaves an open group alone", async () => {
  const write = insert("grouped");
  await assert.rejects(
    db.connection().execute((conn) => sql`commit`.execute(conn)),
    /COMMIT outside a transaction/,
  );
  await write;
  assert.deepEqual(committed(), ["grouped"]);
});
