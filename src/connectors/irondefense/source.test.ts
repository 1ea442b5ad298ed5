import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pollSource } from "../../ingest/poll-source.ts";
import { type Database, openDatabase } from "../../store/database.ts";
import { StoredInbox } from "../../store/inbox.ts";
import { SqlIngestStore } from "../../store/ingest-store.ts";
import { SourceStore } from "../../store/sources.ts";
import { type ConnectorClient, createClient } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { ironDefense } from "./connector.ts";
import { vendor } from "./index.ts";
import { startIronDefenseSimulator } from "./simulator.ts";
import {
  alertIdsOf,
  type IronDefenseCheckpoint,
  ironDefenseAlertSource,
  RECONCILE_EVERY_MS,
} from "./source.ts";

test("a page of notifications names each alert once and leaves deleted alerts out", () => {
  const alert = (id: string) => ({ id, category: "C2" });
  assert.deepEqual(
    alertIdsOf([
      { alert_action: "ANA_ALERT_CREATED", alert: alert("a") },
      { alert_action: "ANA_NOTE_CREATED", alert: alert("b") },
      { alert_action: "ANA_WORKFLOW_UPDATED", alert: alert("a") },
      { alert_action: "ANA_ALERT_UPDATED", alert: alert("c") },
      { alert_action: "ANA_ALERT_DELETED", alert: alert("c") },
      { alert_action: "ANA_ALERT_DELETED", alert: null },
      { alert_action: "ANA_ALERT_UPDATED", alert: null },
    ]),
    ["a", "b"],
  );
});

let sim: Simulator;
let analyst: ConnectorClient;
let client: ConnectorClient;
let database: Database;

before(async () => {
  sim = await startIronDefenseSimulator({ seed: 41 });
  analyst = createClient(ironDefense, sim.config);
  client = createClient(ironDefense, sim.config);
  database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "rampart-irondefense-source-")) });
});
after(async () => {
  await Promise.all([analyst.close(), client.close()]);
  await database.close();
  await sim.close();
});

test("hourly reconciliation stores a change whose notification another consumer took", async () => {
  let clock = Date.now();
  const now = () => clock;
  const sources = new SourceStore(database.db, now);
  await sources.add({ name: "iron", connection: "iron", connector: "irondefense", intervalMs: 60_000 });
  const poll = async () => {
    const source = (await sources.list()).find((s) => s.name === "iron")!;
    return pollSource(
      { store: new SqlIngestStore(database.db, now), now },
      source,
      vendor.alertSource!,
      client,
    );
  };
  const checkpoint = async () =>
    (await sources.list()).find((s) => s.name === "iron")!.checkpoint as IronDefenseCheckpoint;

  const first = await poll();
  assert.equal(first.error, undefined);
  assert.equal(first.new, 120);
  const loaded = await checkpoint();
  assert.equal(loaded.reconciledAt, clock);
  const alerts = (await (await fetch(`${sim.url}/__sim/state`)).json()) as {
    alerts: Array<{ id: string; updated: string; status: string }>;
  };
  const newest = Math.max(...alerts.alerts.map((a) => Date.parse(a.updated)));
  assert.equal(Date.parse(loaded.updatedSince!), newest);

  const target = alerts.alerts.find((a) => a.status !== "STATUS_CLOSED")!;
  await analyst.call("SetAlertStatus", { alert_id: target.id, status: "STATUS_CLOSED" });
  // Another integration logged in as the same API user drains the queue first.
  const taken = await analyst.call<{ alert_notifications: unknown[] }>("GetAlertNotifications", {
    limit: 500,
  });
  assert.deepEqual(alertIdsOf(taken.output.alert_notifications), [target.id]);

  clock += 10 * 60_000;
  const soon = await poll();
  assert.deepEqual([soon.new, soon.updated], [0, 0], "not due yet, and the queue is empty");

  clock += RECONCILE_EVERY_MS;
  const reconciled = await poll();
  assert.deepEqual([reconciled.new, reconciled.updated], [0, 1]);
  const [row] = await database.db
    .selectFrom("alerts")
    .select(["status_id", "version"])
    .where("vendor_id", "=", target.id)
    .execute();
  assert.deepEqual([Number(row!.status_id), Number(row!.version)], [4, 2]);
  const after = await checkpoint();
  assert.equal(after.reconciledAt, clock);
  assert.ok(Date.parse(after.updatedSince!) > newest);
});

test("the full load misses no alert when one it already read changes between its pages", async () => {
  const own = await startIronDefenseSimulator({ seed: 43 });
  const reader = createClient(ironDefense, own.config);
  const editor = createClient(ironDefense, own.config);
  try {
    const inbox = new StoredInbox(database.db, "iron-full-load");
    const pages = ironDefenseAlertSource.poll({
      client: reader,
      checkpoint: undefined,
      inbox,
      now: Date.now,
    });
    const seen = new Set<string>();
    let changed: string | undefined;
    for await (const page of pages) {
      const ids = page.alerts.map((raw) => ironDefenseAlertSource.alertId(raw));
      for (const id of ids) seen.add(id);
      // After the first page of the listing, an analyst touches its oldest alert: it moves to the end.
      if (changed === undefined && ids.length > 0) {
        changed = ids[0]!;
        await editor.call("CommentOnAlert", { alert_id: changed, comment: "seen" });
      }
    }
    const all = (await (await fetch(`${own.url}/__sim/state`)).json()) as { alerts: Array<{ id: string }> };
    assert.equal(all.alerts.length, 120);
    assert.deepEqual([...seen].sort(), all.alerts.map((a) => a.id).sort());
    assert.equal((await inbox.pending()).length, 1, "the drained page is kept until committed");
  } finally {
    await Promise.all([reader.close(), editor.close()]);
    await own.close();
  }
});
