import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { DATABASES, type FreshDatabase, freshDatabase } from "../../test/support/databases.ts";
import { PgBossDispatch } from "./pg-boss-dispatch.ts";

const postgres = DATABASES.find((k) => k.name === "postgres")!;

describe("the pg-boss dispatch's listener (PostgreSQL)", { skip: postgres.skip }, () => {
  let fresh: FreshDatabase;
  before(async () => {
    fresh = await freshDatabase(postgres);
  });
  after(() => fresh?.drop());

  test("a listener whose connection the server ended listens again, wakes the workers for what they missed, and hears new jobs", async () => {
    const dispatch = new PgBossDispatch({
      url: fresh.url!,
      runnable: async () => ({ runIds: [], nextAt: null }),
      sweepMs: 0,
    });
    await dispatch.open();
    const admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
    try {
      let wakes = 0;
      dispatch.subscribe(() => wakes++);
      await dispatch.announce("before");
      await until("the first job heard", () => wakes >= 1);

      const { rows } = await admin.query(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
      );
      assert.equal(rows.length, 1, "one listening connection");
      // Back within its first retry (1 s): the wake-up for what may have been missed.
      await until("the listener back", () => wakes >= 2, 5000);
      await dispatch.announce("after");
      await until("a job heard on the new connection", () => wakes >= 3);
    } finally {
      await admin.end();
      await dispatch.close();
    }
  });
});

async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
