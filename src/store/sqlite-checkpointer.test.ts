import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { openDatabase } from "./database.ts";
import { WalCheckpointer } from "./sqlite-checkpointer.ts";

test("a bulk load is checkpointed in the background: the WAL restarts after each checkpoint, the writer's own checkpoints are a backstop", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-checkpointer-"));
  const file = join(dir, "bulk.db");
  const sqlite = new DatabaseSync(file);
  const checkpointer = new WalCheckpointer(sqlite, file);
  try {
    sqlite.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (v TEXT)");
    const insert = sqlite.prepare("INSERT INTO t (v) VALUES (?)");
    const item = "x".repeat(40_000);
    let largestWal = 0;
    // 48 MB in 24 transactions of 2 MB; a checkpoint is asked for every 8 MB.
    for (let t = 0; t < 24; t++) {
      sqlite.exec("BEGIN");
      for (let i = 0; i < 50; i++) insert.run(item);
      sqlite.exec("COMMIT");
      checkpointer.committed(50 * item.length);
      // Waiting for the checkpoint itself, not for time to pass: what the assertion depends on.
      await checkpointer.idle();
      largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
    }
    const autocheckpoint = sqlite.prepare("PRAGMA wal_autocheckpoint").get() as {
      wal_autocheckpoint: number;
    };
    assert.equal(autocheckpoint.wal_autocheckpoint, 8000, "the writer's own checkpoints are only a backstop");
    assert.ok(
      largestWal < 16 * 2 ** 20,
      `the WAL restarted after each checkpoint (largest ${largestWal} bytes)`,
    );
  } finally {
    await checkpointer.close();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("through openDatabase: a bulk load loses nothing and the last close leaves no WAL", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-checkpoint-"));
  const wal = join(dataDir, "rampart.db-wal");
  const database = await openDatabase({ dataDir });
  let closed = false;
  try {
    const item = "x".repeat(40_000);
    for (let t = 0; t < 24; t++) {
      await database.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 50; i++) {
          await trx
            .insertInto("source_inbox")
            .values({ id: `${t}-${i}`, source: "s", items: item, created_at: t })
            .execute();
        }
      });
    }
    await database.close();
    closed = true;
    assert.equal(existsSync(wal), false, "the last connection to close checkpointed and removed the WAL");
    const reopened = await openDatabase({ dataDir });
    try {
      const count = await reopened.db
        .selectFrom("source_inbox")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 24 * 50);
    } finally {
      await reopened.close();
    }
  } finally {
    if (!closed) await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
