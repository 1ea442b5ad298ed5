import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../src/connectors/thinkst-canary/simulator.ts";
import { openDatabase } from "../src/store/database.ts";
import { SqlRunStore } from "../src/store/runs.ts";
import { killed, rampart, startUntil } from "./support/rampart-process.ts";

interface SimState {
  incidents: Array<{ id: string; acknowledged: string }>;
}

describe("a run whose process is SIGKILLed resumes from its last finished step", () => {
  let root: string;
  let dataDir: string;
  let sim: Simulator;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "rampart-resume-"));
    dataDir = join(root, "data");
    sim = await startCanarySimulator({ seed: 11 });
    const added = await rampart([
      "--data-dir",
      dataDir,
      "connection",
      "add",
      "lab",
      "--connector",
      "thinkst-canary",
      "--config",
      JSON.stringify({ ...sim.config, max_attempts: 1 }),
    ]);
    assert.equal(added.code, 0, added.stderr);
  });
  after(async () => {
    await sim.close();
    rmSync(root, { recursive: true, force: true });
  });

  const state = async () => (await (await fetch(`${sim.url}/__sim/state`)).json()) as SimState;

  test("killed during a slow call: finished steps are not repeated, the call is retried with its idempotency key", async () => {
    const [first, second] = (await state()).incidents;
    // Deleting twice would fail with 404: a repeated step could not go unnoticed.
    const playbook = join(root, "delete-then-ack.yaml");
    writeFileSync(
      playbook,
      `
name: delete-then-ack
inputs:
  type: object
  properties: { first: { type: string }, second: { type: string } }
  required: [first, second]
outputs:
  acknowledged: "=steps.ack.output.action"
connections:
  canary: { connector: thinkst-canary }
start: remove
steps:
  remove:
    type: call
    connection: canary
    operation: deleteIncident
    input: { incident: "=inputs.first" }
    on_success: slow
  slow:
    type: call
    connection: canary
    operation: fetchIncident
    input: { incident: "=inputs.second" }
    on_success: ack
  ack:
    type: call
    connection: canary
    operation: acknowledgeIncident
    input: { incident: "=steps.slow.output.incident.id" }
`,
    );
    // The first fetch never gets an answer from the simulator: the process is killed while it waits.
    await fetch(`${sim.url}/__sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fault: { kind: "hang" }, path: "/incident/fetch", times: 1 }),
    });
    // Kill only once the hanging request has reached the simulator (it takes the fault on arrival).
    const take = sim.faults.take.bind(sim.faults);
    const arrived = new Promise<void>((done) => {
      sim.faults.take = (method, path) => {
        const fault = take(method, path);
        if (fault?.kind === "hang") done();
        return fault;
      };
    });
    const { child } = await startUntil(
      [
        "--data-dir",
        dataDir,
        "run",
        playbook,
        "--input",
        JSON.stringify({ first: first!.id, second: second!.id }),
      ],
      /slow \(call\)\s+running/,
    );
    await arrived;
    await killed(child);

    const resumed = await rampart(["--data-dir", dataDir, "runs", "resume", "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const outcomes = JSON.parse(resumed.stdout) as Array<{ runId: string; status: string; outputs: unknown }>;
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]!.status, "succeeded", resumed.stdout);
    assert.deepEqual(outcomes[0]!.outputs, { acknowledged: "acknowledged" });

    const database = await openDatabase({ dataDir });
    try {
      const steps = await new SqlRunStore(database).steps(outcomes[0]!.runId);
      assert.deepEqual(
        steps.map((s) => [s.key, s.attempt, s.status]),
        [
          ["remove", 1, "succeeded"],
          ["slow", 1, "interrupted"],
          ["slow", 2, "succeeded"],
          ["ack", 1, "succeeded"],
        ],
      );
      assert.equal(steps[1]!.idempotencyKey, steps[2]!.idempotencyKey);
    } finally {
      await database.close();
    }
    const after = await state();
    assert.equal(
      after.incidents.find((i) => i.id === first!.id),
      undefined,
    );
    assert.equal(after.incidents.find((i) => i.id === second!.id)!.acknowledged, "True");
  });

  test("killed during a wait: the next `rampart run` resumes it first and keeps the wait's deadline", async () => {
    const napping = join(root, "nap.yaml");
    writeFileSync(
      napping,
      `
name: nap
outputs:
  woke: "=steps.nap.output.until"
start: before
steps:
  before:
    type: transform
    output: "=$now()"
    on_success: nap
  nap:
    type: wait
    duration: 1500ms
    on_success: after
  after:
    type: transform
    output: done
`,
    );
    const other = join(root, "other.yaml");
    writeFileSync(other, "name: other\nstart: only\nsteps:\n  only:\n    type: transform\n    output: 1\n");
    const { child } = await startUntil(["--data-dir", dataDir, "run", napping], /nap \(wait\)\s+running/);
    await killed(child);

    const next = await rampart(["--data-dir", dataDir, "run", other]);
    assert.equal(next.code, 0, next.stderr);
    const lines = next.stdout.split("\n");
    const resumedAt = lines.findIndex((l) => /run \S+ nap: resumed/.test(l));
    const otherAt = lines.findIndex((l) => /run \S+ other: started/.test(l));
    assert.ok(resumedAt >= 0 && otherAt > resumedAt, next.stdout);
    assert.match(next.stdout, /= before \(transform\)\s+replayed/);
    assert.match(next.stdout, /run \S+ nap: succeeded/);

    const database = await openDatabase({ dataDir });
    try {
      const store = new SqlRunStore(database);
      const run = (await store.listRuns({ status: "succeeded" })).find((r) => r.playbookName === "nap");
      const steps = await store.steps(run!.id);
      assert.deepEqual(
        steps.map((s) => [s.key, s.attempt, s.status]),
        [
          ["before", 1, "succeeded"],
          ["nap", 1, "succeeded"],
          ["after", 1, "succeeded"],
        ],
      );
      // A wait is not interrupted by a crash: its one attempt went on to the deadline recorded before it.
      assert.equal(
        (steps[1]!.output as { until: string }).until,
        (steps[1]!.input as { until: string }).until,
      );
    } finally {
      await database.close();
    }
  });
});
