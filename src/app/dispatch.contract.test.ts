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
const asking = join(root, "ask.yaml");
writeFileSync(asking, "name: ask\nstart: ask\nsteps:\n  ask:\n    type: approval\n    timeout: 1h\n");
const napping = join(root, "nap.yaml");
writeFileSync(
  napping,
  "name: nap\nstart: nap\nsteps:\n  nap:\n    type: wait\n    duration: 1500ms\n    on_success: t\n  t:\n    type: transform\n    output: 1\n",
);

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
        parkWaitsOverMs: 100,
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

    test("a parked run announced for its deadline is not named before it, is named after it, and its deadline is the next one due", async () => {
      const runtime = await open();
      try {
        const id = await runtime.startRun(napping);
        assert.deepEqual(await drain(runtime, 10), [id]);
        // What a worker does: execute it until it parks, then announce it for its deadline.
        const parked = await runtime.engine.resume(id);
        assert.equal(parked.status, "waiting");
        const deadline = Date.parse(parked.waiting[0]!.deadline);
        await runtime.dispatch.announce(id, deadline);
        const early = await runtime.dispatch.due(10);
        assert.deepEqual(early.runIds, [], "not before its deadline");
        assert.ok(
          early.nextAt !== null && Math.abs(early.nextAt - deadline) < 250,
          `next due at ${early.nextAt}, the deadline is ${deadline}`,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 50));
        assert.deepEqual((await runtime.dispatch.due(10)).runIds, [id]);
      } finally {
        await runtime.stop(0);
      }
    });

    test("a run runnable now is named now, though it was announced for a later deadline before (an approval decided early)", async () => {
      const runtime = await open();
      try {
        const [announced, swept] = [await runtime.startRun(asking), await runtime.startRun(asking)];
        assert.deepEqual((await drain(runtime, 10)).sort(), [announced, swept].sort());
        for (const id of [announced, swept]) {
          const parked = await runtime.engine.resume(id);
          await runtime.dispatch.announce(id, Date.parse(parked.waiting[0]!.deadline));
        }
        assert.deepEqual((await runtime.dispatch.due(10)).runIds, [], "an hour to go");
        const decide = (id: string) =>
          runtime.runs.decideApproval(id, { approved: true, by: "alice", at: new Date().toISOString() });
        // Decided through the API: announced at once.
        await decide(announced);
        await runtime.dispatch.announce(announced);
        assert.deepEqual((await runtime.dispatch.due(10)).runIds, [announced]);
        assert.equal((await runtime.engine.resume(announced)).status, "succeeded");
        // Decided by another process that only wrote the store: the sweep finds it.
        await decide(swept);
        if (kind.name === "postgres") await (runtime.dispatch as PgBossDispatch).sweep();
        assert.deepEqual((await runtime.dispatch.due(10)).runIds, [swept]);
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
