import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import pg from "pg";
import { DATABASES, type FreshDatabase, freshDatabase } from "../../test/support/databases.ts";
import { defaultRegistry } from "../connectors/registry.ts";
import { type PgBossDispatch, QUEUE_SCHEMA } from "./pg-boss-dispatch.ts";
import { NO_WORK, Runtime } from "./runtime.ts";

const root = mkdtempSync(join(tmpdir(), "rampart-dispatch-"));
after(() => rmSync(root, { recursive: true, force: true }));
const path = join(root, "noop.yaml");
writeFileSync(path, "name: noop\nstart: t\nsteps:\n  t:\n    type: transform\n    output: 1\n");

/**
 * Every run id `due(limit)` hands out until it has nothing new (each call at most `limit`). The local
 * dispatch names a run again until a worker claims it; the queue names it once.
 */
async function drain(runtime: Runtime, limit: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 50; i++) {
    const { runIds } = await runtime.dispatch.due(limit);
    assert.ok(runIds.length <= limit, `due(${limit}) gave ${runIds.length}`);
    if (runIds.every((id) => seen.includes(id))) break;
    seen.push(...runIds.filter((id) => !seen.includes(id)));
  }
  return seen;
}

// One contract, both implementations: LocalDispatch on SQLite, PgBossDispatch on PostgreSQL.
for (const kind of DATABASES)
  describe(`the Dispatcher contract (${kind.name})`, { skip: kind.skip }, () => {
    const made: FreshDatabase[] = [];
    after(async () => {
      for (const fresh of made) await fresh.drop();
    });
    async function open(): Promise<Runtime> {
      const fresh = await freshDatabase(kind);
      made.push(fresh);
      const dataDir = mkdtempSync(join(root, "d-"));
      // Nothing executes here: the test is the only consumer of the dispatch.
      return Runtime.open({
        dataDir,
        databaseUrl: fresh.url,
        registry: defaultRegistry(),
        work: NO_WORK,
        queueSweepMs: 0,
      });
    }

    test("an enqueued run is named as runnable; due(limit) never gives more than limit; announcing again does not double it", async () => {
      const runtime = await open();
      try {
        const ids = [
          await runtime.startRun(path),
          await runtime.startRun(path),
          await runtime.startRun(path),
        ];
        await runtime.dispatch.announce(ids[0]!);
        const first = (await runtime.dispatch.due(1)).runIds;
        assert.equal(first.length, 1);
        const seen = [...new Set([...first, ...(await drain(runtime, 10))])];
        assert.deepEqual([...seen].sort(), [...ids].sort());
        if (kind.name === "postgres") assert.deepEqual(await drain(runtime, 10), [], "each run queued once");
      } finally {
        await runtime.stop(0);
      }
    });

    test("an emptied queue loses nothing: the sweep re-arms runnable runs from Rampart's tables", async () => {
      const runtime = await open();
      try {
        const id = await runtime.startRun(path);
        const { url } = made.at(-1)!;
        if (url) {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          await client.query(`DELETE FROM ${QUEUE_SCHEMA}.job`);
          await client.end();
          assert.deepEqual(await drain(runtime, 10), [], "the queue was emptied");
          await (runtime.dispatch as PgBossDispatch).sweep();
        }
        assert.deepEqual(await drain(runtime, 10), [id]);
      } finally {
        await runtime.stop(0);
      }
    });

    test("subscribers are woken when a run is announced", async () => {
      const runtime = await open();
      try {
        const woken = new Promise<void>((resolve) => runtime.dispatch.subscribe(resolve));
        await runtime.startRun(path);
        await woken;
      } finally {
        await runtime.stop(0);
      }
    });
  });
