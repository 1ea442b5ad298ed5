import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { openTriggerRuntime, type TriggerRuntime } from "../../test/support/trigger-runtime.ts";
import type { Clock } from "../engine/clock.ts";
import { scheduleRunId } from "../engine/schedule.ts";
import { Scheduler } from "./schedules.ts";

const scheduled = (name: string, extra = "") => `name: ${name}
inputs:
  type: object
  properties:
    window: { type: integer, default: 60 }
trigger:
  schedule:
    cron: "0 * * * *"
    input: { window: 15 }
${extra}outputs:
  window: "=inputs.window"
start: done
steps:
  done:
    type: end
    status: success
`;

const at = (hhmmss: string) => Date.parse(`2026-12-03T${hhmmss}Z`);

/** A clock the test moves: sleepers wake when `advance` passes their time. */
function manualClock(start: number) {
  let now = start;
  const sleepers: Array<{ until: number; wake: () => void }> = [];
  const clock: Clock & { advance(to: number): void; sleeping(): number } = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const sleeper = { until: now + ms, wake: resolve };
        sleepers.push(sleeper);
        signal?.addEventListener(
          "abort",
          () => {
            sleepers.splice(sleepers.indexOf(sleeper), 1);
            reject(signal.reason);
          },
          { once: true },
        );
      }),
    advance(to) {
      now = to;
      for (const s of sleepers.filter((s) => s.until <= to)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.wake();
      }
    },
    sleeping: () => sleepers.length,
  };
  return clock;
}

describe("the Scheduler over the real engine and a SQLite firing ledger", () => {
  let root: string;
  let playbooksDir: string;
  let runtime: TriggerRuntime | undefined;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-schedules-"));
    playbooksDir = join(root, "playbooks");
    mkdirSync(playbooksDir);
    writeFileSync(join(playbooksDir, "hourly.yaml"), scheduled("hourly"));
    writeFileSync(join(playbooksDir, "hourly-none.yaml"), scheduled("hourly-none", "    catch_up: none\n"));
    writeFileSync(
      join(playbooksDir, "needs-connection.yaml"),
      `name: needs-connection
connections:
  abuseipdb: { connector: abuseipdb }
trigger:
  schedule: { cron: "0 * * * *" }
start: done
steps:
  done: { type: end, status: success }
`,
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
  });

  let dirs = 0;
  const open = async (clock?: Clock) => {
    runtime = await openTriggerRuntime(join(root, `data-${dirs++}`), playbooksDir, { clock });
    return runtime;
  };
  const schedulerOf = (rt: TriggerRuntime, names: string[], clock?: Clock) =>
    new Scheduler({
      schedules: names.map((name) => ({ name, schedule: rt.playbooks.byName.get(name)!.schedule! })),
      ledger: rt.firings,
      startRun: (request) => rt.starter.startRun(request),
      clock,
    });
  const allRuns = async (rt: TriggerRuntime) => {
    await rt.starter.drain();
    return rt.runs.listRuns({ limit: 1000 });
  };

  test("an on-time firing starts one run with the schedule's input, its cause and an id from (playbook, fire time)", async () => {
    const rt = await open();
    const scheduler = schedulerOf(rt, ["hourly"]);
    const reports = await scheduler.tick(at("10:00:05"));
    const runId = scheduleRunId("hourly", at("10:00:00"));
    assert.deepEqual(reports, [
      { playbook: "hourly", fireTime: "2026-12-03T10:00:00.000Z", outcome: "started", runId, skipped: 0 },
    ]);
    assert.deepEqual(await scheduler.tick(at("10:00:40")), [], "the same firing is not started twice");
    const [run, ...others] = await allRuns(rt);
    assert.equal(others.length, 0);
    assert.equal(run!.id, runId);
    assert.equal(run!.status, "succeeded");
    assert.deepEqual(run!.inputs, { window: 15 });
    assert.deepEqual(run!.outputs, { window: 15 });
    assert.deepEqual(run!.cause, { kind: "schedule", fireTime: "2026-12-03T10:00:00.000Z", catchUp: false });
    assert.deepEqual(await rt.firings.list("hourly"), [
      { playbook: "hourly", fireTime: "2026-12-03T10:00:00.000Z", runId, outcome: "started" },
    ]);
  });

  test("a schedule seen for the first time between firings is armed, not caught up, and fires at its next firing", async () => {
    const rt = await open();
    const scheduler = schedulerOf(rt, ["hourly"]);
    assert.deepEqual(
      (await scheduler.tick(at("10:20:00"))).map((r) => r.outcome),
      ["armed"],
    );
    assert.equal((await allRuns(rt)).length, 0);
    assert.deepEqual(
      (await scheduler.tick(at("11:00:01"))).map((r) => [r.outcome, r.fireTime]),
      [["started", "2026-12-03T11:00:00.000Z"]],
    );
  });

  test("firings missed while down start one catch-up run, for the latest of them", async () => {
    const rt = await open();
    const scheduler = schedulerOf(rt, ["hourly"]);
    await scheduler.tick(at("10:00:01"));
    // Down from 10:30 to 13:30: 11:00, 12:00 and 13:00 were missed.
    const [report, ...rest] = await schedulerOf(rt, ["hourly"]).tick(at("13:30:00"));
    assert.equal(rest.length, 0);
    assert.equal(report!.outcome, "caught_up");
    assert.equal(report!.fireTime, "2026-12-03T13:00:00.000Z");
    assert.equal(report!.skipped, 2);
    const runs = await allRuns(rt);
    assert.equal(runs.length, 2);
    const caughtUp = runs.find((r) => r.id === scheduleRunId("hourly", at("13:00:00")))!;
    assert.deepEqual(caughtUp.cause, {
      kind: "schedule",
      fireTime: "2026-12-03T13:00:00.000Z",
      catchUp: true,
    });
    assert.deepEqual(await scheduler.tick(at("13:31:00")), []);
  });

  test("with catch_up: none, missed firings start nothing and the next one fires on time", async () => {
    const rt = await open();
    const scheduler = schedulerOf(rt, ["hourly-none"]);
    await scheduler.tick(at("10:00:01"));
    assert.deepEqual(
      (await scheduler.tick(at("13:30:00"))).map((r) => [r.outcome, r.runId, r.fireTime]),
      [["skipped", null, "2026-12-03T13:00:00.000Z"]],
    );
    assert.equal((await allRuns(rt)).length, 1);
    assert.deepEqual(
      (await scheduler.tick(at("14:00:02"))).map((r) => r.outcome),
      ["started"],
    );
    assert.equal((await allRuns(rt)).length, 2);
  });

  test("a crash after the run started and before the ledger row is repaired by the next tick without a second run", async () => {
    const rt = await open();
    const fireTime = at("10:00:00");
    // What a process killed right after the start leaves: the run, and no ledger row.
    await rt.starter.startRun({
      playbook: "hourly",
      input: { window: 15 },
      runId: scheduleRunId("hourly", fireTime),
      cause: { kind: "schedule", fireTime: new Date(fireTime).toISOString(), catchUp: false },
    });
    assert.equal((await rt.firings.list("hourly")).length, 0);
    const reports = await schedulerOf(rt, ["hourly"]).tick(at("10:00:20"));
    assert.deepEqual(
      reports.map((r) => r.outcome),
      ["started"],
    );
    assert.equal((await allRuns(rt)).length, 1);
    assert.equal((await rt.firings.list("hourly")).length, 1);
  });

  test("a firing whose run cannot start is not recorded, is retried soon, and starts once the cause is fixed", async () => {
    const rt = await open();
    const scheduler = schedulerOf(rt, ["needs-connection"]);
    const [failed] = await scheduler.tick(at("10:00:01"));
    assert.equal(failed!.outcome, "not_started");
    assert.match(failed!.error!, /no saved abuseipdb connection/);
    assert.equal((await rt.firings.list("needs-connection")).length, 0);
    assert.equal(scheduler.nextWake(at("10:00:01")), at("10:00:31"), "retried after 30 s, not at 11:00");
    await rt.connections.add({
      name: "abuseipdb",
      connector: "abuseipdb",
      config: { url: "http://127.0.0.1:9", api_key: "0123456789abcdef0123" },
    });
    assert.deepEqual(
      (await scheduler.tick(at("10:00:31"))).map((r) => r.outcome),
      ["started"],
    );
  });

  test("start() sleeps until the next firing on the clock it is given, and stop() ends the loop", async () => {
    const clock = manualClock(at("09:59:00"));
    const rt = await open(clock);
    const scheduler = schedulerOf(rt, ["hourly"], clock);
    scheduler.start();
    const settle = async () => {
      for (let i = 0; i < 200 && clock.sleeping() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    };
    await settle();
    assert.equal((await allRuns(rt)).length, 0, "nothing is due at 09:59");
    clock.advance(at("10:00:00"));
    await new Promise((r) => setTimeout(r, 5));
    await settle();
    const runs = await allRuns(rt);
    assert.deepEqual(
      runs.map((r) => r.id),
      [scheduleRunId("hourly", at("10:00:00"))],
    );
    await scheduler.stop();
    assert.equal(clock.sleeping(), 0, "the timer is gone after stop()");
  });
});
