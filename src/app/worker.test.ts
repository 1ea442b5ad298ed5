import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { DATABASES, type FreshDatabase, freshDatabase } from "../../test/support/databases.ts";
import { defaultRegistry } from "../connectors/registry.ts";
import { openDatabase, type StoreLocation } from "../store/database.ts";
import { SqlRunStore } from "../store/runs.ts";
import { Runtime, type RuntimeOptions } from "./runtime.ts";

const root = mkdtempSync(join(tmpdir(), "rampart-worker-"));
after(() => rmSync(root, { recursive: true, force: true }));

function playbook(name: string, wait: string): string {
  const path = join(root, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
outputs:
  done: "=steps.after.output"
start: nap
steps:
  nap:
    type: wait
    duration: ${wait}
    on_success: after
  after:
    type: transform
    output: woke
`,
  );
  return path;
}

async function open(store: StoreLocation, options: Partial<RuntimeOptions> = {}): Promise<Runtime> {
  const runtime = await Runtime.open({
    dataDir: store.dataDir,
    databaseUrl: store.url,
    registry: defaultRegistry(),
    sweepMs: 50,
    ...options,
  });
  await runtime.start();
  return runtime;
}

/** Resolves with the run once it has one of `statuses`, reading the store as events arrive. */
async function until(runtime: Runtime, runId: string, statuses: string[]): Promise<string> {
  for (;;) {
    const run = await runtime.runs.getRun(runId);
    if (run && statuses.includes(run.status)) return run.status;
    await new Promise<void>((resolve) => {
      const off = runtime.events.subscribe((e) => {
        if (e.runId === runId && e.type === "run") {
          off();
          resolve();
        }
      });
      setTimeout(() => {
        off();
        resolve();
      }, 100).unref();
    });
  }
}

async function stepAttempts(store: StoreLocation, runId: string): Promise<string[]> {
  const database = await openDatabase(store);
  try {
    return (await new SqlRunStore(database).steps(runId)).map((s) => `${s.key}#${s.attempt}:${s.status}`);
  } finally {
    await database.close();
  }
}

for (const kind of DATABASES)
  describe(`the Worker executes every run the service starts (${kind.name})`, { skip: kind.skip }, () => {
    const made: FreshDatabase[] = [];
    /** A data dir of this test's own, with a database of its own. */
    async function location(name: string): Promise<StoreLocation> {
      const fresh = await freshDatabase(kind);
      made.push(fresh);
      return { dataDir: join(root, kind.name, name), url: fresh.url };
    }
    after(() => Promise.all(made.map((fresh) => fresh.drop())));

    test("starting only enqueues; the Worker never executes more runs at once than its concurrency", async () => {
      const store = await location("bounded");
      const runtime = await open(store, { concurrency: 2 });
      try {
        let executing = 0;
        let most = 0;
        const ended: string[] = [];
        runtime.events.subscribe((e) => {
          if (e.type !== "run") return;
          if (e.status === "started") most = Math.max(most, ++executing);
          if (e.status === "succeeded") {
            executing--;
            ended.push(e.runId);
          }
        });
        const path = playbook("short-nap", "150ms");
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) ids.push(await runtime.startRun(path));
        const statuses = await Promise.all(ids.map((id) => until(runtime, id, ["succeeded", "failed"])));
        assert.deepEqual(statuses, Array(6).fill("succeeded"));
        assert.equal(most, 2, "two runs at most executed at once");
        assert.equal(ended.length, 6);
      } finally {
        await runtime.stop();
      }
    });

    test("a long wait parks its run: no task held while it waits, woken at its deadline, the wait attempted once", async () => {
      const store = await location("parked");
      const runtime = await open(store, { parkWaitsOverMs: 100 });
      let runId = "";
      try {
        runId = await runtime.startRun(playbook("parked-nap", "1500ms"));
        assert.equal(await until(runtime, runId, ["waiting"]), "waiting");
        assert.deepEqual(runtime.engine.executing(), [], "a parked run holds no execution");
        const run = await runtime.runs.getRun(runId);
        assert.equal(run?.owner, null, "and no lease");
        assert.equal(await until(runtime, runId, ["succeeded", "failed"]), "succeeded");
        assert.deepEqual((await runtime.runs.getRun(runId))?.outputs, { done: "woke" });
      } finally {
        await runtime.stop();
      }
      assert.deepEqual(await stepAttempts(store, runId), ["nap#1:succeeded", "after#1:succeeded"]);
    });

    test("a parked run wakes at its deadline by itself: neither the worker's poll nor the queue's sweep is what finds it", async () => {
      const store = await location("parked-on-time");
      // Both safety nets slowed to ten minutes: only the deadline the run parked with can wake it.
      const runtime = await open(store, { parkWaitsOverMs: 100, sweepMs: 600_000, queueSweepMs: 600_000 });
      let runId = "";
      try {
        runId = await runtime.startRun(playbook("on-time-nap", "1200ms"));
        assert.equal(await until(runtime, runId, ["waiting"]), "waiting");
        assert.equal(await until(runtime, runId, ["succeeded", "failed"]), "succeeded");
      } finally {
        await runtime.stop();
      }
      const database = await openDatabase(store);
      try {
        const [nap, after] = await new SqlRunStore(database).steps(runId);
        const late = Date.parse(after!.startedAt) - Date.parse((nap!.input as { until: string }).until);
        assert.ok(late >= 0 && late < 1000, `woke ${late} ms after its deadline`);
      } finally {
        await database.close();
      }
    });

    test("a parked wait that fell due while the service was down fires once after the restart", async () => {
      const store = await location("parked-restart");
      let runtime = await open(store, { parkWaitsOverMs: 100 });
      const runId = await runtime.startRun(playbook("parked-restart", "600ms"));
      assert.equal(await until(runtime, runId, ["waiting"]), "waiting");
      await runtime.stop();
      await new Promise((resolve) => setTimeout(resolve, 700));
      runtime = await open(store, { parkWaitsOverMs: 100 });
      try {
        assert.equal(await until(runtime, runId, ["succeeded", "failed"]), "succeeded");
      } finally {
        await runtime.stop();
      }
      assert.deepEqual(await stepAttempts(store, runId), ["nap#1:succeeded", "after#1:succeeded"]);
    });

    test("a stop past its grace period releases the runs still executing; the next start continues them from their records", async () => {
      const store = await location("released");
      let runtime = await open(store, { parkWaitsOverMs: 60_000 });
      const runId = await runtime.startRun(playbook("held-nap", "800ms"));
      assert.equal(await until(runtime, runId, ["running"]), "running");
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { unfinished } = await runtime.stop(10);
      assert.equal(unfinished, 1);
      const database = await openDatabase(store);
      const released = await new SqlRunStore(database).getRun(runId);
      await database.close();
      assert.equal(released?.status, "running");
      assert.equal(released?.owner, null, "its lease was released");
      runtime = await open(store, { parkWaitsOverMs: 60_000 });
      try {
        assert.equal(await until(runtime, runId, ["succeeded", "failed"]), "succeeded");
      } finally {
        await runtime.stop();
      }
      // The wait continued with its first attempt and its recorded deadline; nothing ran twice.
      assert.deepEqual(await stepAttempts(store, runId), ["nap#1:succeeded", "after#1:succeeded"]);
    });

    test("an approval decided by another process wakes its parked run; an undecided one wakes at its deadline", async () => {
      const store = await location("approvals");
      const path = join(root, "ask.yaml");
      writeFileSync(
        path,
        `name: ask
start: ask
steps:
  ask:
    type: approval
    timeout: 1500ms
    on_success: yes
    on_failure: no
  yes:
    type: end
    status: success
    message: approved
  no:
    type: end
    status: failure
    message: "=steps.ask.error.type"
`,
      );
      const runtime = await open(store);
      try {
        const decided = await runtime.startRun(path);
        const lapsed = await runtime.startRun(path);
        assert.equal(await until(runtime, decided, ["waiting"]), "waiting");
        assert.equal(await until(runtime, lapsed, ["waiting"]), "waiting");
        // The CLI's `runs approve` in another process: only the store hears of it.
        const other = await openDatabase(store);
        try {
          await new SqlRunStore(other).decideApproval(decided, {
            approved: true,
            by: "alice",
            at: new Date().toISOString(),
          });
        } finally {
          await other.close();
        }
        assert.equal(await until(runtime, decided, ["succeeded", "failed"]), "succeeded");
        assert.equal(await until(runtime, lapsed, ["succeeded", "failed"]), "failed");
        assert.equal((await runtime.runs.getRun(lapsed))?.message, "ApprovalTimeout");
      } finally {
        await runtime.stop();
      }
    });
  });
