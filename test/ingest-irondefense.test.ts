import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ironDefense } from "../src/connectors/irondefense/connector.ts";
import { startIronDefenseSimulator } from "../src/connectors/irondefense/simulator.ts";
import { type ConnectorClient, createClient } from "../src/connectors/sdk/index.ts";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { createOcsfValidator } from "../src/ocsf/validator.ts";
import { AlertStore } from "../src/store/alerts.ts";
import { openDatabase } from "../src/store/database.ts";

const bin = join(import.meta.dirname, "..", "bin", "rampart");

function rampart(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, ["--data-dir", dataDir, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface Report {
  source: string;
  pages: number;
  new: number;
  updated: number;
  unchanged: number;
  error?: { type: string; message: string };
}

async function ingestOnce(dataDir: string): Promise<Report> {
  const run = await rampart(dataDir, "ingest", "--once", "--json");
  assert.equal(run.code, 0, run.stderr || run.stdout);
  const [report] = JSON.parse(run.stdout) as Report[];
  assert.equal(report!.error, undefined);
  return report!;
}

async function stored(
  dataDir: string,
): Promise<{ vendorIds: string[]; pendingInbox: number; inbox: number }> {
  const database = await openDatabase({ dataDir });
  try {
    const rows = await database.db.selectFrom("alerts").select("vendor_id").execute();
    const inbox = await database.db.selectFrom("source_inbox").select(["id", "done_at"]).execute();
    return {
      vendorIds: rows.map((r) => String(r.vendor_id)),
      pendingInbox: inbox.filter((r) => r.done_at === null).length,
      inbox: inbox.length,
    };
  } finally {
    await database.close();
  }
}

async function simAlertIds(sim: Simulator): Promise<string[]> {
  const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as { alerts: Array<{ id: string }> };
  return state.alerts.map((a) => a.id);
}

async function generate(sim: Simulator, count: number): Promise<string[]> {
  const reply = await fetch(`${sim.url}/__sim/generate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ count }),
  });
  return ((await reply.json()) as { generated: string[] }).generated;
}

describe("rampart ingest from an IronDefense appliance", () => {
  let sim: Simulator;
  let analyst: ConnectorClient;

  before(async () => {
    sim = await startIronDefenseSimulator({ seed: 31 });
    // The analyst works in IronVue as another user: their changes do not consume Rampart's notifications.
    analyst = createClient(ironDefense, sim.config);
  });
  after(async () => {
    await analyst.close();
    await sim.close();
  });

  async function setUp(): Promise<string> {
    const dataDir = mkdtempSync(join(tmpdir(), "rampart-irondefense-"));
    const add = await rampart(
      dataDir,
      "connection",
      "add",
      "iron",
      "--connector",
      "irondefense",
      "--config",
      JSON.stringify(sim.config),
    );
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await rampart(dataDir, "source", "add", "iron", "--connection", "iron")).code, 0);
    return dataDir;
  }

  test("stores every alert once; again nothing; after changes only the changed and new alerts", async () => {
    const dataDir = await setUp();
    const all = await simAlertIds(sim);
    const first = await ingestOnce(dataDir);
    assert.deepEqual([first.new, first.updated], [all.length, 0]);
    assert.deepEqual((await stored(dataDir)).vendorIds.sort(), [...all].sort());

    const again = await ingestOnce(dataDir);
    assert.deepEqual([again.new, again.updated], [0, 0]);

    const { output } = await analyst.call<{ alerts: Array<{ id: string }> }>("GetAlerts", {
      status: ["STATUS_AWAITING_REVIEW"],
      constraint: { limit: 2 },
    });
    const [closed, commented] = output.alerts;
    await analyst.call("SetAlertStatus", { alert_id: closed!.id, status: "STATUS_CLOSED", comment: "done" });
    await analyst.call("CommentOnAlert", { alert_id: commented!.id, comment: "looking at it" });
    const fresh = await generate(sim, 3);

    const changed = await ingestOnce(dataDir);
    assert.deepEqual([changed.new, changed.updated], [3, 2]);
    const after = await stored(dataDir);
    assert.equal(after.vendorIds.length, all.length + 3);
    assert.deepEqual(after.vendorIds.filter((id) => fresh.includes(id)).sort(), [...fresh].sort());
    assert.equal(after.pendingInbox, 0);

    const database = await openDatabase({ dataDir });
    try {
      const store = new AlertStore(database.db);
      const [row] = await database.db
        .selectFrom("alerts")
        .select("id")
        .where("vendor_id", "=", closed!.id)
        .execute();
      const alert = (await store.get(String(row!.id)))!;
      assert.equal(alert.statusId, 4);
      assert.equal(alert.version, 2);
      assert.equal((await store.versions(alert.id)).length, 1);
    } finally {
      await database.close();
    }
    const quiet = await ingestOnce(dataDir);
    assert.deepEqual([quiet.new, quiet.updated], [0, 0]);
  });

  test("every exported alert is valid OCSF 1.8.0 in strict mode", async () => {
    const dataDir = await setUp();
    const first = await ingestOnce(dataDir);
    const file = join(dataDir, "alerts.ndjson");
    assert.equal((await rampart(dataDir, "alerts", "export", "--format", "ndjson", "--out", file)).code, 0);
    const exported = readFileSync(file, "utf8").trim().split("\n");
    assert.equal(exported.length, first.new);
    const validator = createOcsfValidator({ strict: true });
    for (const line of exported) {
      const { errors, warnings } = validator.validate(JSON.parse(line));
      assert.deepEqual([...errors, ...warnings], []);
    }
  });

  test("killed after notifications were drained and kept, a new run stores their alerts exactly once", async () => {
    const dataDir = await setUp();
    await ingestOnce(dataDir);
    const before = await stored(dataDir);
    const fresh = await generate(sim, 4);

    // The notifications call answers; fetching the alerts they name hangs long enough to be killed.
    sim.faults.inject({ fault: { kind: "latency", ms: 120_000 }, path: "/IronApi/GetAlerts" });
    const child = spawn(bin, ["--data-dir", dataDir, "ingest", "--once"], { stdio: "ignore" });
    let state = await stored(dataDir);
    while (state.pendingInbox === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = await stored(dataDir);
    }
    child.kill("SIGKILL");
    await once(child, "exit");
    sim.faults.clear();
    assert.equal(state.vendorIds.length, before.vendorIds.length, "nothing of the page was committed");

    // The appliance has handed those notifications out: asking again gives nothing.
    const probe = createClient(ironDefense, sim.config);
    try {
      const { output } = await probe.call<{ alert_notifications: unknown[] }>("GetAlertNotifications", {
        limit: 500,
      });
      assert.deepEqual(output.alert_notifications, []);
    } finally {
      await probe.close();
    }

    const resumed = await ingestOnce(dataDir);
    assert.deepEqual([resumed.new, resumed.updated], [4, 0]);
    const after = await stored(dataDir);
    assert.equal(after.vendorIds.length, before.vendorIds.length + 4);
    assert.equal(new Set(after.vendorIds).size, after.vendorIds.length, "no alert stored twice");
    assert.deepEqual(after.vendorIds.filter((id) => fresh.includes(id)).sort(), [...fresh].sort());
    assert.equal(after.pendingInbox, 0);

    const again = await ingestOnce(dataDir);
    assert.deepEqual([again.new, again.updated], [0, 0]);
  });
});
