import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, beforeEach, describe, test } from "node:test";
import { sql } from "kysely";
import { DATABASES, openFreshDatabase } from "../../test/support/databases.ts";
import { defaultRegistry } from "../connectors/registry.ts";
import { ClientPool } from "../connectors/sdk/index.ts";
import type { Simulator } from "../connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../connectors/thinkst-canary/simulator.ts";
import type { Database } from "../store/database.ts";
import { SqlRunStore } from "../store/runs.ts";
import type { Clock } from "./clock.ts";
import { Engine, type EngineOptions, type RunEvent } from "./executor.ts";
import { ConnectorCaller } from "./operation-caller.ts";
import { createScriptRunner, type ScriptRunner } from "./sandbox/index.ts";

interface SimState {
  incidents: Array<{ id: string; acknowledged: string }>;
}

/** A clock tests move by hand; sleeps resolve once the clock passes their deadline. */
class ManualClock implements Clock {
  #now = Date.parse("2025-01-01T00:00:00Z");
  #sleepers: Array<{ until: number; resolve: () => void }> = [];
  now(): number {
    return this.#now;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      this.#sleepers.push({ until: this.#now + ms, resolve });
    });
  }
  advance(ms: number): void {
    this.#now += ms;
    for (const s of this.#sleepers.filter((s) => s.until <= this.#now)) s.resolve();
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
  }
}

for (const kind of DATABASES)
  describe(`engine (${kind.name})`, { skip: kind.skip }, () => {
    let root: string;
    let database: Database;
    let store: SqlRunStore;
    let sim: Simulator;
    let clients: ClientPool;
    let caller: ConnectorCaller;
    let events: RunEvent[];
    let config: Record<string, unknown>;
    let scripts: ScriptRunner;

    const write = (name: string, text: string): string => {
      const path = join(root, name);
      writeFileSync(path, text);
      return path;
    };
    const engine = (options: Partial<EngineOptions> = {}) =>
      new Engine({
        store,
        catalog: defaultRegistry(),
        caller,
        scripts,
        onEvent: (e) => events.push(e),
        ...options,
      });
    const simState = async () => (await (await fetch(`${sim.url}/__sim/state`)).json()) as SimState;

    before(async () => {
      root = mkdtempSync(join(tmpdir(), "rampart-engine-"));
      database = await openFreshDatabase(kind, join(root, "data"));
      store = new SqlRunStore(database);
      scripts = createScriptRunner({ poolSize: { python: 1, javascript: 1 } });
      sim = await startCanarySimulator({ seed: 3 });
      // One HTTP attempt per call, so step retries are what the tests see.
      config = { ...sim.config, max_attempts: 1 };
      clients = new ClientPool({
        catalog: defaultRegistry(),
        connection: async (name) =>
          name === "lab-canary" ? { connector: "thinkst-canary", config } : undefined,
      });
      caller = new ConnectorCaller(clients);
    });
    beforeEach(async () => {
      events = [];
      await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    });
    after(async () => {
      await clients.close();
      await scripts.close();
      await sim.close();
      await database.close();
      rmSync(root, { recursive: true, force: true });
    });

    const statusBranching = `
name: fetch-and-branch
inputs:
  type: object
  properties: { incident: { type: string } }
  required: [incident]
outputs:
  verdict: "=steps.done.output.status"
  seen: "=steps.fetch.status"
connections:
  canary: { connector: thinkst-canary }
start: fetch
steps:
  fetch:
    type: call
    connection: canary
    operation: fetchIncident
    input: { incident: "=inputs.incident" }
    fail_on_http_error: false
    on_success: status_code
    on_failure: done_failed
  status_code:
    type: condition
    branches:
      - when: "steps.fetch.status = 200"
        next: found
      - when: "steps.fetch.status = 404"
        next: missing
    otherwise: done_failed
  found:
    type: transform
    output: { id: "=steps.fetch.output.incident.id", acknowledged: "=steps.fetch.output.incident.acknowledged" }
    on_success: done
  missing:
    type: end
    status: failure
    message: "=('incident ' & inputs.incident & ' not found (HTTP ' & $string(steps.fetch.status) & ')')"
  done:
    type: end
    status: success
  done_failed:
    type: end
    status: failure
    message: could not ask the console
`;

    test("a condition branches on the vendor's HTTP status (fail_on_http_error: false)", async () => {
      const path = write("branch.yaml", statusBranching);
      const [incident] = (await simState()).incidents;
      const ok = await engine().start(path, {
        inputs: { incident: incident!.id },
        connections: { canary: "lab-canary" },
      });
      assert.equal(ok.status, "succeeded", JSON.stringify(ok.error));
      assert.deepEqual(ok.outputs, { verdict: "success", seen: 200 });
      const okSteps = await store.steps(ok.runId);
      assert.deepEqual(
        okSteps.map((s) => [s.key, s.status]),
        [
          ["fetch", "succeeded"],
          ["status_code", "succeeded"],
          ["found", "succeeded"],
          ["done", "succeeded"],
        ],
      );
      assert.deepEqual(okSteps[2]!.output, { id: incident!.id, acknowledged: "False" });

      const missing = await engine().start(path, {
        inputs: { incident: "incident:nope" },
        connections: { canary: "lab-canary" },
      });
      assert.equal(missing.status, "failed");
      assert.equal(missing.message, "incident incident:nope not found (HTTP 404)");
      assert.equal(missing.error?.type, "PlaybookFailed");
      const steps = await store.steps(missing.runId);
      assert.equal(steps[0]!.httpStatus, 404);
      assert.equal(steps[0]!.status, "succeeded");
      assert.deepEqual(
        steps.map((s) => s.key),
        ["fetch", "status_code", "missing"],
      );
    });

    test("when a step starts, the end of the step before it is already committed", async () => {
      const path = write("committed.yaml", statusBranching);
      const [incident] = (await simState()).incidents;
      // Another connection than the engine's, so only committed rows are seen (not an open group commit).
      const sqlite =
        kind.name === "sqlite"
          ? new DatabaseSync(join(root, "data", "rampart.db"), { readOnly: true })
          : undefined;
      const committed = async (runId: string): Promise<Array<[string, string]>> => {
        if (sqlite) {
          const rows = sqlite
            .prepare("select step_key, status from run_steps where run_id = ? order by seq")
            .all(runId) as Array<{ step_key: string; status: string }>;
          return rows.map((r) => [r.step_key, r.status]);
        }
        const rows = await database.db
          .selectFrom("run_steps")
          .select(["step_key", "status"])
          .where("run_id", "=", runId)
          .orderBy("seq")
          .execute();
        return rows.map((r) => [r.step_key, r.status]);
      };
      const seen: Array<Promise<[string, Array<[string, string]>]>> = [];
      const outcome = await engine({
        onEvent: (e) => {
          if (e.type === "step" && e.status === "running")
            seen.push(committed(e.runId).then((rows) => [e.key, rows]));
        },
      }).start(path, { inputs: { incident: incident!.id }, connections: { canary: "lab-canary" } });
      sqlite?.close();
      assert.equal(outcome.status, "succeeded", JSON.stringify(outcome.error));
      const atStarts = await Promise.all(seen);
      const order = ["fetch", "status_code", "found", "done"];
      assert.deepEqual(
        atStarts.map(([key]) => key),
        order,
      );
      // PostgreSQL's read may land later than the event; what was committed by then is at least this.
      for (const [i, [key, rows]] of atStarts.entries()) {
        assert.deepEqual(
          rows.slice(0, i),
          order.slice(0, i).map((k) => [k, "succeeded"]),
          key,
        );
        assert.equal(rows[i]?.[0], key, `${key} is recorded before it runs`);
      }
    });

    test("a step's end the store refuses fails the run; the step after it does not run", {
      skip: kind.name !== "sqlite" && "the refusal is a SQLite trigger",
    }, async () => {
      const path = write("refused.yaml", statusBranching);
      const [incident] = (await simState()).incidents;
      // A real refusal by the database, of one write only: the end of the `found` step.
      await sql`create trigger refuse_found before update of status on run_steps
        when new.step_key = 'found' and new.status = 'succeeded'
        begin select raise(abort, 'the disk refused this write'); end`.execute(database.db);
      try {
        const outcome = await engine().start(path, {
          inputs: { incident: incident!.id },
          connections: { canary: "lab-canary" },
        });
        assert.equal(outcome.status, "failed");
        assert.match(outcome.error?.message ?? "", /the disk refused this write/);
        const steps = await store.steps(outcome.runId);
        assert.deepEqual(
          steps.map((s) => [s.key, s.status]),
          [
            ["fetch", "succeeded"],
            ["status_code", "succeeded"],
            ["found", "running"],
            ["done", "interrupted"],
          ],
        );
        assert.match(steps[3]!.error?.message ?? "", /not run/);
        assert.equal((await store.getRun(outcome.runId))?.status, "failed");
      } finally {
        await sql`drop trigger refuse_found`.execute(database.db);
      }
    });

    test("inputs are checked against the playbook's inputs schema, naming the field", async () => {
      const path = write("branch.yaml", statusBranching);
      await assert.rejects(
        engine().start(path, { inputs: {}, connections: { canary: "lab-canary" } }),
        /inputs\.incident is required/,
      );
      await assert.rejects(
        engine().start(path, { inputs: { incident: "x" } }),
        /connection "canary".*--connection/,
      );
    });

    const retrying = (attempts: number) => `
name: retrying
connections:
  canary: { connector: thinkst-canary }
start: ack
steps:
  ack:
    type: call
    connection: canary
    operation: acknowledgeIncident
    input: { incident: "=inputs.incident" }
    retry: { max_attempts: ${attempts}, backoff: { initial: 1ms, max: 5ms } }
    on_success: ok
    on_failure: recover
  ok:
    type: end
    status: success
  recover:
    type: transform
    output: "=steps.ack.error.type"
`;

    test("retries run before on_failure is taken, each attempt recorded", async () => {
      const [incident] = (await simState()).incidents;
      await fetch(`${sim.url}/__sim/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          fault: { kind: "status", status: 503 },
          path: "/incident/acknowledge",
          times: 5,
        }),
      });
      const outcome = await engine().start(write("retry.yaml", retrying(3)), {
        inputs: { incident: incident!.id },
        connections: { canary: "lab-canary" },
      });
      assert.equal(outcome.status, "succeeded");
      const steps = await store.steps(outcome.runId);
      assert.deepEqual(
        steps.map((s) => [s.key, s.attempt, s.status, s.httpStatus]),
        [
          ["ack", 1, "failed", 503],
          ["ack", 2, "failed", 503],
          ["ack", 3, "failed", 503],
          ["recover", 1, "succeeded", null],
        ],
      );
      assert.equal(steps[3]!.output, "UpstreamError");
      // Every attempt of a step carries the same idempotency key.
      assert.equal(new Set(steps.slice(0, 3).map((s) => s.idempotencyKey)).size, 1);
      assert.deepEqual(
        events.filter((e) => e.type === "step").map((e) => `${e.key}:${e.status}`),
        [
          "ack:running",
          "ack:retrying",
          "ack:running",
          "ack:retrying",
          "ack:running",
          "ack:failed",
          "recover:running",
          "recover:succeeded",
        ],
      );
      // Two faults are left: a fourth attempt would have succeeded, which proves on_failure came only after 3.
      assert.equal((await simState()).incidents.find((i) => i.id === incident!.id)!.acknowledged, "False");
    });

    test("a retry that succeeds takes on_success", async () => {
      const [incident] = (await simState()).incidents;
      await fetch(`${sim.url}/__sim/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          fault: { kind: "status", status: 503 },
          path: "/incident/acknowledge",
          times: 1,
        }),
      });
      const outcome = await engine().start(write("retry2.yaml", retrying(2)), {
        inputs: { incident: incident!.id },
        connections: { canary: "lab-canary" },
      });
      assert.equal(outcome.status, "succeeded");
      const steps = await store.steps(outcome.runId);
      assert.deepEqual(
        steps.map((s) => [s.key, s.attempt, s.status]),
        [
          ["ack", 1, "failed"],
          ["ack", 2, "succeeded"],
          ["ok", 1, "succeeded"],
        ],
      );
      assert.equal((await simState()).incidents.find((i) => i.id === incident!.id)!.acknowledged, "True");
    });

    test("a step failure with no on_failure fails the run with the step's typed error", async () => {
      const path = write(
        "nofail.yaml",
        `
name: no-failure-edge
connections:
  canary: { connector: thinkst-canary }
start: fetch
steps:
  fetch:
    type: call
    connection: canary
    operation: fetchIncident
    input: { incident: "incident:missing" }
`,
      );
      const outcome = await engine().start(path, { connections: { canary: "lab-canary" } });
      assert.equal(outcome.status, "failed");
      assert.equal(outcome.error?.type, "NotFoundError");
      assert.equal(outcome.error?.status, 404);
    });

    test("foreach runs a sub-sequence per item, never more at once than its concurrency, and collects results", async () => {
      const path = write(
        "each.yaml",
        `
name: each
outputs:
  doubled: "=steps.each.output"
start: numbers
steps:
  numbers:
    type: transform
    output: [1, 2, 3, 4, 5, 6, 7]
    on_success: each
  each:
    type: foreach
    items: steps.numbers.output
    concurrency: 3
    start: pause
    steps:
      pause:
        type: wait
        duration: 50ms
        on_success: double
      double:
        type: transform
        output: { n: "=item", twice: "=item * 2", index: "=index" }
`,
      );
      const outcome = await engine().start(path);
      assert.equal(outcome.status, "succeeded", JSON.stringify(outcome.error));
      assert.deepEqual(outcome.outputs, {
        doubled: [1, 2, 3, 4, 5, 6, 7].map((n, i) => ({ n, twice: n * 2, index: i })),
      });
      let active = 0;
      let most = 0;
      for (const e of events) {
        if (e.type !== "step" || e.stepId !== "pause") continue;
        if (e.status === "running") most = Math.max(most, ++active);
        if (e.status === "succeeded") active--;
      }
      // Each pause outlasts the few store round trips that start the next item's, so three overlap.
      assert.equal(most, 3);
      const keys = (await store.steps(outcome.runId)).map((s) => s.key);
      assert.ok(keys.includes("each[6].double"));
    });

    test("a nested playbook runs as a step with its own inputs and outputs, sharing bound connections", async () => {
      write(
        "child.yaml",
        `
name: child
inputs:
  type: object
  properties: { incident: { type: string } }
  required: [incident]
outputs:
  acknowledged: "=steps.ack.output.action"
connections:
  console: { connector: thinkst-canary }
start: ack
steps:
  ack:
    type: call
    connection: console
    operation: acknowledgeIncident
    input: { incident: "=inputs.incident" }
`,
      );
      const path = write(
        "parent.yaml",
        `
name: parent
outputs:
  result: "=steps.sub.output"
connections:
  canary: { connector: thinkst-canary }
start: sub
steps:
  sub:
    type: playbook
    path: ./child.yaml
    inputs: { incident: "=inputs.incident" }
    connections: { console: canary }
`,
      );
      const [incident] = (await simState()).incidents;
      const outcome = await engine().start(path, {
        inputs: { incident: incident!.id },
        connections: { canary: "lab-canary" },
      });
      assert.equal(outcome.status, "succeeded", JSON.stringify(outcome.error));
      assert.deepEqual(outcome.outputs, { result: { acknowledged: "acknowledged" } });
      const steps = await store.steps(outcome.runId);
      assert.deepEqual(
        steps.map((s) => [s.key, s.status]),
        [
          ["sub", "succeeded"],
          ["sub/ack", "succeeded"],
        ],
      );
      assert.equal((await simState()).incidents.find((i) => i.id === incident!.id)!.acknowledged, "True");
    });

    const approval = `
name: approve-ack
outputs:
  decision: "=steps.ask.output.decision"
start: ask
steps:
  ask:
    type: approval
    message: "='Acknowledge ' & inputs.what & '?'"
    timeout: 1h
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
`;

    test("approval pauses the run until a person approves it", async () => {
      const path = write("approval.yaml", approval);
      const first = await engine().start(path, { inputs: { what: "incident 7" } });
      assert.equal(first.status, "waiting");
      assert.deepEqual(
        first.waiting.map((w) => [w.key, w.message]),
        [["ask", "Acknowledge incident 7?"]],
      );
      assert.equal((await store.getRun(first.runId))!.status, "waiting");
      const done = await engine().decide(first.runId, true, "alice", "fine");
      assert.equal(done.status, "succeeded");
      assert.equal(done.message, "approved");
      assert.deepEqual(done.outputs, { decision: "approved" });
      const [ask] = await store.steps(first.runId);
      assert.deepEqual(ask!.output, {
        decision: "approved",
        by: "alice",
        comment: "fine",
        at: ask!.finishedAt,
      });
    });

    test("a waiting run resumes with the playbook it started with, though the file was edited since", async () => {
      const path = write("edited.yaml", approval);
      const first = await engine().start(path, { inputs: { what: "incident 8" } });
      assert.equal(first.status, "waiting");
      writeFileSync(path, approval.replace("message: approved", "message: approved by the edited version"));
      const second = await engine().start(path, { inputs: { what: "incident 9" } });
      const [before, after] = await Promise.all([store.getRun(first.runId), store.getRun(second.runId)]);
      assert.notEqual(before!.playbookHash, after!.playbookHash);
      // Fresh engines (as after a restart) have only the stored versions to go by.
      assert.equal((await engine().decide(first.runId, true, "alice")).message, "approved");
      assert.equal(
        (await engine().decide(second.runId, true, "alice")).message,
        "approved by the edited version",
      );
      const stored = await database.db
        .selectFrom("playbook_versions")
        .select("hash")
        .where("hash", "in", [before!.playbookHash, after!.playbookHash])
        .execute();
      assert.equal(stored.length, 2, "each version stored once");
    });

    test("a rejected approval takes on_failure", async () => {
      const path = write("approval.yaml", approval);
      const first = await engine().start(path, { inputs: { what: "x" } });
      const done = await engine().decide(first.runId, false, "bob");
      assert.equal(done.status, "failed");
      assert.equal(done.message, "ApprovalRejected");
      await assert.rejects(engine().decide(first.runId, true, "carol"), /not waiting for an approval/);
    });

    test("an approval nobody decides times out into on_failure when the run is resumed after its deadline", async () => {
      const clock = new ManualClock();
      const path = write("approval.yaml", approval);
      const first = await engine({ clock }).start(path, { inputs: { what: "x" } });
      assert.equal(first.status, "waiting");
      clock.advance(30 * 60_000);
      assert.equal((await engine({ clock }).resume(first.runId)).status, "waiting");
      clock.advance(31 * 60_000);
      const late = engine({ clock });
      await assert.rejects(late.decide(first.runId, true, "dave"), /timed out/);
      const outcomes = await late.resumeOrphans();
      const done = outcomes.find((o) => o.runId === first.runId);
      assert.equal(done?.status, "failed");
      assert.equal(done?.message, "ApprovalTimeout");
    });

    test("cancel stops a run at its next heartbeat; it is not resumed", async () => {
      const path = write(
        "long.yaml",
        `
name: long-wait
start: nap
steps:
  nap:
    type: wait
    duration: 1h
    on_success: after
  after:
    type: transform
    output: should not run
`,
      );
      const running = engine({ leaseMs: 60 }).start(path);
      let runId: string | undefined;
      while (!runId) {
        await new Promise((r) => setTimeout(r, 5));
        runId = events.find((e) => e.type === "step" && e.stepId === "nap")?.runId;
      }
      await engine().cancel(runId);
      const outcome = await running;
      assert.equal(outcome.status, "cancelled");
      const steps = await store.steps(runId);
      assert.deepEqual(
        steps.map((s) => [s.key, s.status]),
        [["nap", "interrupted"]],
      );
      assert.equal((await engine().resume(runId)).status, "cancelled");
    });

    test("a worker whose run was taken over while it paused records nothing after it wakes", async () => {
      const path = write(
        "taken.yaml",
        `
name: taken
start: nap
steps:
  nap:
    type: wait
    duration: 400ms
    on_success: after
  after:
    type: transform
    output: done
`,
      );
      // "a" holds a long lease and never renews in time to notice; "b" believes "a" dead and takes over.
      const a = engine({ owner: "host-a:1:a", leaseMs: 60_000 });
      const b = engine({ owner: "host-b:1:b", isOwnerAlive: () => false });
      const paused = a.start(path);
      let runId: string | undefined;
      while (!runId) {
        await new Promise((r) => setTimeout(r, 5));
        runId = events.find((e) => e.type === "step" && e.stepId === "nap" && e.status === "running")?.runId;
      }
      const takeover = await b.resume(runId);
      assert.equal(takeover.status, "succeeded");
      // "a" wakes from its wait at the same deadline: every record it tries is refused.
      await paused;
      const steps = await store.steps(runId);
      assert.deepEqual(
        steps.map((s) => [s.key, s.attempt, s.status]),
        [
          ["nap", 1, "succeeded"],
          ["after", 1, "succeeded"],
        ],
      );
      const run = await store.getRun(runId);
      assert.deepEqual([run?.status, run?.leaseEpoch], ["succeeded", 2]);
    });

    test("secrets of the connection never reach the run record", async () => {
      const path = write(
        "leak.yaml",
        `
name: leak
connections:
  canary: { connector: thinkst-canary }
start: echo
steps:
  echo:
    type: call
    connection: canary
    operation: fetchIncident
    input: { incident: "=inputs.token" }
    fail_on_http_error: false
    on_success: copy
  copy:
    type: transform
    output: { token: "=inputs.token", note: "=('token is ' & inputs.token)" }
`,
      );
      const token = String(config.auth_token);
      const outcome = await engine().start(path, {
        inputs: { token },
        connections: { canary: "lab-canary" },
      });
      assert.equal(outcome.status, "succeeded");
      const record = JSON.stringify({
        run: await store.getRun(outcome.runId),
        steps: await store.steps(outcome.runId),
      });
      assert.ok(record.includes("[REDACTED]"));
      assert.ok(!record.includes(token), "the auth token is in the run record");
    });

    test("evidence is evidence: vendor fields named password or token flow between steps and into the record whole", async () => {
      const path = write(
        "evidence.yaml",
        `
name: evidence
connections:
  canary: { connector: thinkst-canary }
start: seen
steps:
  seen:
    type: transform
    output:
      events: [{ USERNAME: admin, PASSWORD: "Winter2026!", api_key: "attacker-tried-this" }]
      session_token: "stolen-cookie-value"
    on_success: file
  file:
    type: transform
    output:
      timeline: "=steps.seen.output.events"
      token_seen: "=steps.seen.output.session_token"
      ours: "=inputs.ours"
outputs:
  filed: "=steps.file.output"
`,
      );
      const ours = String(config.auth_token);
      const outcome = await engine().start(path, { inputs: { ours }, connections: { canary: "lab-canary" } });
      assert.equal(outcome.status, "succeeded");
      const filed = (outcome.outputs as { filed: Record<string, unknown> }).filed;
      assert.deepEqual(filed.timeline, [
        { USERNAME: "admin", PASSWORD: "Winter2026!", api_key: "attacker-tried-this" },
      ]);
      assert.equal(filed.token_seen, "stolen-cookie-value");
      assert.equal(filed.ours, "[REDACTED]", "Rampart's own secret is still hidden");
      const record = JSON.stringify(await store.steps(outcome.runId));
      assert.ok(record.includes("Winter2026!") && record.includes("stolen-cookie-value"));
      assert.ok(!record.includes(ours));
    });

    test("script steps run Python and JavaScript in the sandbox on mapped input; a script error takes on_failure", async () => {
      const path = write(
        "scripts.yaml",
        `
name: scripts
outputs:
  py: "=steps.py.output"
  js: "=steps.js.output"
  failed: "=steps.broken.error.type"
start: py
steps:
  py:
    type: script
    language: python
    code: |
      def main(input):
          return {"ips": sorted(set(input["ips"])), "count": len(input["ips"])}
    input: { ips: "=inputs.ips" }
    on_success: js
  js:
    type: script
    language: javascript
    code: |
      function main(input) { return input.ips.map((ip) => ip + "/32"); }
    input: { ips: "=steps.py.output.ips" }
    on_success: broken
  broken:
    type: script
    language: python
    code: |
      def main(input):
          return input["missing"]
    on_failure: handled
  handled:
    type: end
    status: success
`,
      );
      const outcome = await engine().start(path, { inputs: { ips: ["10.0.0.2", "10.0.0.1", "10.0.0.2"] } });
      assert.equal(outcome.status, "succeeded", JSON.stringify(outcome.error));
      assert.deepEqual(outcome.outputs, {
        py: { ips: ["10.0.0.1", "10.0.0.2"], count: 3 },
        js: ["10.0.0.1/32", "10.0.0.2/32"],
        failed: "ScriptError",
      });
      const broken = (await store.steps(outcome.runId)).find((s) => s.key === "broken")!;
      assert.equal(broken.status, "failed");
      assert.equal((broken.error!.details as { kind: string }).kind, "exception");
    });

    test("a step that overruns its timeout fails with a retryable TimeoutError, retried before on_failure", async () => {
      const path = write(
        "slow.yaml",
        `
name: slow
outputs:
  why: "=steps.nap.error.type"
start: nap
steps:
  nap:
    type: wait
    duration: 1h
    timeout: 20ms
    retry: { max_attempts: 2, backoff: { initial: 1ms } }
    on_failure: gave_up
  gave_up:
    type: transform
    output: gave up
`,
      );
      const outcome = await engine().start(path);
      assert.equal(outcome.status, "succeeded");
      assert.deepEqual(outcome.outputs, { why: "TimeoutError" });
      assert.deepEqual(
        (await store.steps(outcome.runId)).map((s) => [s.key, s.attempt, s.status]),
        [
          ["nap", 1, "failed"],
          ["nap", 2, "failed"],
          ["gave_up", 1, "succeeded"],
        ],
      );
    });

    test("rerun starts the playbook again with the same inputs and connections", async () => {
      const path = write("branch.yaml", statusBranching);
      const [incident] = (await simState()).incidents;
      const first = await engine().start(path, {
        inputs: { incident: incident!.id },
        connections: { canary: "lab-canary" },
      });
      const again = await engine().rerun(first.runId);
      assert.notEqual(again.runId, first.runId);
      assert.equal(again.status, "succeeded");
      const run = await store.getRun(again.runId);
      assert.equal(run!.rerunOf, first.runId);
      assert.deepEqual(run!.inputs, { incident: incident!.id });
      assert.deepEqual(run!.connections, { canary: "lab-canary" });
    });
  });
