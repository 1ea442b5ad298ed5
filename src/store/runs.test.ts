import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DATABASES, type FreshDatabase, freshDatabase } from "../../test/support/databases.ts";
import { LeaseLostError } from "../engine/run-store.ts";
import type { Database } from "./database.ts";
import { SqlRunStore } from "./runs.ts";

const T0 = "2026-06-01T00:00:00.000Z";
const LATER = "2026-06-01T00:01:00.000Z";

const queued = (id: string) => ({
  id,
  playbookName: "p",
  playbookPath: "/p.yaml",
  playbookHash: "h",
  sources: { "/p.yaml": "name: p" },
  inputs: { n: 1 },
  connections: {},
  alert: null,
  rerunOf: null,
  status: "queued" as const,
  owner: null,
  leaseUntil: null,
  createdAt: T0,
});

for (const kind of DATABASES)
  describe(`SqlRunStore (${kind.name})`, { skip: kind.skip }, () => {
    let root: string;
    let fresh: FreshDatabase;
    let database: Database;
    before(async () => {
      root = mkdtempSync(join(tmpdir(), "rampart-runs-store-"));
      fresh = await freshDatabase(kind);
      database = await fresh.open(root);
    });
    after(async () => {
      await database.close();
      await fresh.drop();
      rmSync(root, { recursive: true, force: true });
    });

    test("a run and its steps read back as they were written", async () => {
      const store = new SqlRunStore(database);
      await store.createRun(queued("r-roundtrip"));
      const step = await store.startStep({
        runId: "r-roundtrip",
        key: "fetch",
        attempt: 1,
        stepId: "fetch",
        type: "call",
        status: "running",
        input: { q: [1, 2] },
        idempotencyKey: "k1",
        startedAt: T0,
      });
      assert.equal(step.seq, 1);
      await store.finishStep("r-roundtrip", "fetch", 1, {
        status: "succeeded",
        output: { ok: true },
        httpStatus: 200,
        finishedAt: LATER,
      });
      const [read] = await store.steps("r-roundtrip");
      assert.deepEqual(
        [read?.seq, read?.attempt, read?.httpStatus, read?.input, read?.output],
        [1, 1, 200, { q: [1, 2] }, { ok: true }],
      );
      assert.deepEqual((await store.getRun("r-roundtrip"))?.inputs, { n: 1 });
      assert.equal((await store.countByStatus()).queued, 1);
    });

    test("a playbook version's sources are stored once, and come back under the run's own folder", async () => {
      const store = new SqlRunStore(database);
      const version = {
        playbookPath: "/srv/a/main.yaml",
        playbookHash: "version-1",
        sources: { "/srv/a/main.yaml": "name: main", "/srv/shared/child.yaml": "name: child" },
      };
      await store.createRun({ ...queued("r-version-1"), ...version });
      await store.createRun({ ...queued("r-version-2"), ...version });
      // Another process (a store of its own) starting the same version stores nothing new.
      await new SqlRunStore(database).createRun({ ...queued("r-version-3"), ...version });
      const rows = await database.db
        .selectFrom("playbook_versions")
        .select(["hash", "sources"])
        .where("hash", "=", "version-1")
        .execute();
      assert.equal(rows.length, 1);
      assert.deepEqual(JSON.parse(rows[0]!.sources), {
        "main.yaml": "name: main",
        "../shared/child.yaml": "name: child",
      });
      assert.deepEqual(
        await new SqlRunStore(database).playbookSources("version-1", "/srv/a/main.yaml"),
        version.sources,
      );
      // The same files copied elsewhere are the same version: their runs read them from there.
      assert.deepEqual(await store.playbookSources("version-1", "/opt/copy/main.yaml"), {
        "/opt/copy/main.yaml": "name: main",
        "/opt/shared/child.yaml": "name: child",
      });
      await assert.rejects(store.playbookSources("no-such-version", "/p.yaml"), /no stored sources/);
    });

    test("of workers claiming one queued run at once, exactly one gets it", async () => {
      // On PostgreSQL separate pools, as separate processes have. SQLite takes one handle per process
      // (a second one in the same process blocks the thread on the lock): its claims share it.
      const handles =
        kind.name === "postgres"
          ? await Promise.all([1, 2, 3, 4].map(() => fresh.open(root)))
          : [database, database, database, database];
      try {
        await new SqlRunStore(database).createRun(queued("r-race"));
        const claims = await Promise.all(
          handles.map((handle, i) =>
            new SqlRunStore(handle).claimRun("r-race", `worker-${i}`, LATER, T0).catch(() => undefined),
          ),
        );
        const winners = claims.filter((c) => c !== undefined);
        assert.equal(winners.length, 1, "exactly one claim succeeds");
        const run = await new SqlRunStore(database).getRun("r-race");
        assert.equal(run?.owner, winners[0]?.owner);
        assert.equal(run?.status, "running");
      } finally {
        if (kind.name === "postgres") await Promise.all(handles.map((h) => h.close()));
      }
    });

    test("steps started at once in one run (a foreach) get distinct, gapless seq numbers", async () => {
      const store = new SqlRunStore(database);
      await store.createRun(queued("r-foreach"));
      const started = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.startStep({
            runId: "r-foreach",
            key: `each[${i}].do`,
            attempt: 1,
            stepId: "do",
            type: "transform",
            status: "running",
            input: null,
            idempotencyKey: `k${i}`,
            startedAt: T0,
          }),
        ),
      );
      const seqs = started.map((s) => s.seq).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    test("a worker whose lease was taken over records nothing: not a step, not its end, not a renewal", async () => {
      const store = new SqlRunStore(database);
      await store.createRun(queued("r-fenced"));
      const first = await store.claimRun("r-fenced", "a", LATER, T0);
      assert.equal(first?.leaseEpoch, 1);
      const stale = { owner: "a", epoch: first!.leaseEpoch };
      const step = (key: string) => ({
        runId: "r-fenced",
        key,
        attempt: 1,
        stepId: key,
        type: "call",
        status: "running" as const,
        input: null,
        idempotencyKey: key,
        startedAt: T0,
      });
      await store.startStep(step("before"), stale);
      // "a" pauses past its lease (SIGSTOP); "b" takes the run over.
      const second = await store.claimRun(
        "r-fenced",
        "b",
        "2026-06-01T00:09:00.000Z",
        "2026-06-01T00:02:00.000Z",
      );
      assert.equal(second?.leaseEpoch, 2);
      const finish = { status: "succeeded" as const, output: { late: true }, finishedAt: LATER };
      await assert.rejects(store.finishStep("r-fenced", "before", 1, finish, stale), LeaseLostError);
      await assert.rejects(store.startStep(step("after"), stale), LeaseLostError);
      assert.equal(await store.renewLease("r-fenced", "a", LATER, stale.epoch), false);
      await store.finishRun(
        "r-fenced",
        "a",
        { status: "succeeded", outputs: 1, finishedAt: LATER },
        stale.epoch,
      );
      const steps = await store.steps("r-fenced");
      assert.deepEqual(
        steps.map((s) => [s.key, s.status]),
        [["before", "running"]],
      );
      const run = await store.getRun("r-fenced");
      assert.deepEqual([run?.status, run?.owner], ["running", "b"]);
      // The new owner's writes go through.
      const fresh = { owner: "b", epoch: 2 };
      await store.finishStep("r-fenced", "before", 1, finish, fresh);
      await store.startStep(step("after"), fresh);
      await store.finishRun(
        "r-fenced",
        "b",
        { status: "succeeded", outputs: 1, finishedAt: LATER },
        fresh.epoch,
      );
      assert.equal((await store.getRun("r-fenced"))?.status, "succeeded");
      assert.deepEqual(
        (await store.steps("r-fenced")).map((s) => [s.key, s.status]),
        [
          ["before", "succeeded"],
          ["after", "running"],
        ],
      );
    });

    test("a lease still held is not taken; an expired one is", async () => {
      const store = new SqlRunStore(database);
      await store.createRun(queued("r-lease"));
      assert.ok(await store.claimRun("r-lease", "a", LATER, T0));
      assert.equal(await store.claimRun("r-lease", "b", LATER, T0), undefined);
      const after = "2026-06-01T00:02:00.000Z";
      assert.equal((await store.claimRun("r-lease", "b", "2026-06-01T00:05:00.000Z", after))?.owner, "b");
      assert.equal(await store.renewLease("r-lease", "a", LATER), false);
    });
  });
