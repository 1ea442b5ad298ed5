import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { scheduleRunId } from "../src/engine/schedule.ts";
import { openDatabase } from "../src/store/database.ts";
import { SqlRunStore } from "../src/store/runs.ts";
import { SqlFiringLedger } from "../src/store/schedule-firings.ts";

const TICK = resolve(import.meta.dirname, "support/schedule-tick.ts");
const at = (hhmmss: string) => Date.parse(`2026-12-03T${hhmmss}Z`);

/** Runs one tick in a child process; resolves with how it ended and what it printed. */
function tick(dataDir: string, playbooks: string, now: number, mode = "") {
  return new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    reports: unknown[];
    stderr: string;
  }>((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--disable-warning=ExperimentalWarning", TICK, dataDir, playbooks, String(now), mode],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", fail);
    child.on("close", (code, signal) =>
      done({ code, signal, reports: stdout.trim() ? JSON.parse(stdout) : [], stderr }),
    );
  });
}

describe("schedule firings across a SIGKILL and restarts (real processes, real SQLite)", () => {
  let root: string;
  let playbooks: string;
  let dataDir: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-schedule-restart-"));
    playbooks = join(root, "playbooks");
    dataDir = join(root, "data");
    mkdirSync(playbooks);
    writeFileSync(
      join(playbooks, "hourly.yaml"),
      `name: hourly
trigger:
  schedule: { cron: "0 * * * *", input: { note: scheduled } }
outputs:
  note: "=inputs.note"
start: done
steps:
  done: { type: end, status: success }
`,
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const state = async () => {
    const database = await openDatabase({ dataDir });
    try {
      return {
        runs: await new SqlRunStore(database).listRuns({ limit: 100 }),
        firings: await new SqlFiringLedger(database).list("hourly"),
      };
    } finally {
      await database.close();
    }
  };

  test("killed between the run's start and its ledger row, the restart finishes that run once; a later restart catches up once", async () => {
    const first = await tick(dataDir, playbooks, at("10:00:05"), "crash-after-start");
    assert.equal(first.signal, "SIGKILL", first.stderr);
    const crashed = await state();
    const id = scheduleRunId("hourly", at("10:00:00"));
    assert.deepEqual(
      crashed.runs.map((r) => r.id),
      [id],
    );
    assert.equal(crashed.firings.length, 0, "the ledger row was never written");

    const second = await tick(dataDir, playbooks, at("10:00:30"));
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      second.reports.map((r) => (r as { outcome: string; runId: string }).runId),
      [id],
    );
    const repaired = await state();
    assert.equal(repaired.runs.length, 1, "no second run for the same firing");
    assert.equal(repaired.runs[0]!.status, "succeeded");
    assert.deepEqual(repaired.runs[0]!.outputs, { note: "scheduled" });
    assert.deepEqual(
      repaired.firings.map((f) => [f.fireTime, f.outcome, f.runId]),
      [["2026-12-03T10:00:00.000Z", "started", id]],
    );

    // Down until 13:30: 11:00, 12:00 and 13:00 were missed; one run catches up, twice started is still one.
    for (const now of [at("13:30:00"), at("13:30:10")]) {
      const later = await tick(dataDir, playbooks, now);
      assert.equal(later.code, 0, later.stderr);
    }
    const caughtUp = await state();
    assert.equal(caughtUp.runs.length, 2);
    const late = caughtUp.runs.find((r) => r.id === scheduleRunId("hourly", at("13:00:00")))!;
    assert.equal(late.status, "succeeded");
    assert.deepEqual(late.cause, { kind: "schedule", fireTime: "2026-12-03T13:00:00.000Z", catchUp: true });
    assert.deepEqual(
      caughtUp.firings.map((f) => [f.fireTime, f.outcome]),
      [
        ["2026-12-03T13:00:00.000Z", "caught_up"],
        ["2026-12-03T10:00:00.000Z", "started"],
      ],
    );
  });
});
