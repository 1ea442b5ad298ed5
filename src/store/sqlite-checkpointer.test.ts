import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { openDatabase } from "./database.ts";

test("a bulk load is checkpointed in the background: the WAL stays small, nothing is lost, close leaves no WAL", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-checkpoint-"));
  const wal = join(dataDir, "rampart.db-wal");
  try {
    const database = await openDatabase({ dataDir });
    const item = "x".repeat(40_000);
    let largestWal = 0;
    // 48 MB in 24 transactions: SQLite's backstop on the writer (8000 pages of 16 KiB) would not checkpoint before 128 MB.
    for (let t = 0; t < 24; t++) {
      await database.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 50; i++) {
          await trx
            .insertInto("source_inbox")
            .values({ id: `${t}-${i}`, source: "s", items: item, created_at: t })
            .execute();
        }
      });
      await sleep(20); // room for the worker to answer
      largestWal = Math.max(largestWal, statSync(wal).size);
    }
    const { rows } = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(
      database.db,
    );
    assert.equal(rows[0]?.wal_autocheckpoint, 8000, "the writer's own checkpoints are only a backstop");
    assert.ok(
      largestWal < 24 * 2 ** 20,
      `the WAL restarted after background checkpoints (largest ${largestWal} bytes)`,
    );
    await database.close();
    assert.equal(existsSync(wal), false, "the last connection to close checkpointed and removed the WAL");

    const reopened = await openDatabase({ dataDir });
    const count = await reopened.db
      .selectFrom("source_inbox")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 24 * 50);
    await reopened.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
