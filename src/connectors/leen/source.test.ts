import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createOcsfValidator } from "../../ocsf/index.ts";
import { type ConnectorClient, createClient, type SourceInbox, type SourcePage } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { leen } from "./connector.ts";
import { vendor } from "./index.ts";
import { startLeenSimulator } from "./simulator.ts";
import { type LeenCheckpoint, leenAlertSource, modifiedTime } from "./source.ts";

type Json = Record<string, any>;

/** Leen hands nothing out only once, so its source must never need an inbox. */
const noInbox: SourceInbox = {
  save: () => Promise.reject(new Error("the Leen source must not use an inbox")),
  pending: () => Promise.resolve([]),
};

async function post(sim: Simulator, path: string, body: unknown): Promise<Json> {
  const res = await fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return (await res.json()) as Json;
}

const uidOf = (alert: Json) => leenAlertSource.alertId(alert);

describe("Leen as an alert source, against its simulator", () => {
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startLeenSimulator({ seed: 9 });
    client = createClient(leen, sim.config);
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  async function poll(checkpoint: LeenCheckpoint | undefined): Promise<SourcePage<LeenCheckpoint>[]> {
    const pages: SourcePage<LeenCheckpoint>[] = [];
    for await (const page of leenAlertSource.poll({ client, checkpoint, inbox: noInbox, now: Date.now })) {
      pages.push(page);
    }
    return pages;
  }

  async function ourAlerts(): Promise<Json[]> {
    const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as Json;
    return (state.alerts as Json[]).filter((a) => a.connection_id === sim.config.connection_id);
  }

  /** What Rampart's store keeps: one content per vendor id; returns what a page adds or changes. */
  function store(kept: Map<string, string>, pages: SourcePage<LeenCheckpoint>[]) {
    const created: string[] = [];
    const changed: string[] = [];
    for (const page of pages) {
      for (const alert of page.alerts as Json[]) {
        const id = uidOf(alert);
        const content = JSON.stringify(leenAlertSource.normalize(alert));
        if (!kept.has(id)) created.push(id);
        else if (kept.get(id) !== content) changed.push(id);
        kept.set(id, content);
      }
    }
    return { created, changed };
  }

  test("the vendor registers the source", () => {
    assert.equal(vendor.alertSource, leenAlertSource);
  });

  test("first poll: every alert once; the checkpoint moves with the last page only; a second poll brings nothing new", async () => {
    const expected = await ourAlerts();
    const pages = await poll(undefined);
    assert.ok(pages.length >= 2, "the connection's alerts span several pages");
    const ids = pages.flatMap((p) => (p.alerts as Json[]).map(uidOf));
    assert.equal(ids.length, expected.length);
    assert.deepEqual(new Set(ids), new Set(expected.map((a) => a.uid)));

    // Leen lists by severity, not time: an earlier page committing a later time would skip the rest after a crash.
    for (const page of pages.slice(0, -1)) assert.deepEqual(page.checkpoint, { modified_time: null });
    const checkpoint = pages.at(-1)!.checkpoint;
    assert.equal(checkpoint.modified_time, Math.max(...expected.map((a) => a.modified_time)));
    const all = pages.flatMap((p) => p.alerts as Json[]);
    assert.equal(checkpoint.modified_time, Math.max(...all.map((a) => modifiedTime(a)!)));

    const validator = createOcsfValidator({ strict: true });
    for (const alert of all) {
      const event = leenAlertSource.normalize(alert);
      const { errors, warnings } = validator.validate(event);
      assert.deepEqual([...errors, ...warnings], [], uidOf(alert));
      assert.equal((event.finding_info as Json).uid, uidOf(alert));
    }

    const kept = new Map<string, string>();
    store(kept, pages);
    const again = await poll(checkpoint);
    const { created, changed } = store(kept, again);
    assert.deepEqual([created, changed], [[], []]);
    // Only alerts changed in the checkpoint's own millisecond come again (updatedSince is inclusive).
    for (const alert of again.flatMap((p) => p.alerts as Json[])) {
      assert.equal(modifiedTime(alert), checkpoint.modified_time);
    }
    assert.deepEqual(again.at(-1)!.checkpoint, checkpoint);
  });

  test("after new and changed alerts, the next poll returns exactly those", async () => {
    await post(sim, "/__sim/reset", {});
    const kept = new Map<string, string>();
    const first = await poll(undefined);
    store(kept, first);
    const checkpoint = first.at(-1)!.checkpoint;

    const generated = (await post(sim, "/__sim/generate", { count: 12 })).generated as Json[];
    const fresh = generated.filter((a) => a.connection_id === sim.config.connection_id).map((a) => a.uid);
    assert.equal(fresh.length, 3);
    const mine = await ourAlerts();
    const older = mine.filter((a) => !fresh.includes(a.uid));
    const [closed, rescored] = [older[7]!, older[50]!];
    await post(sim, "/__sim/alerts/update", { uid: closed.uid, activity: "close" });
    await post(sim, "/__sim/alerts/update", {
      uid: rescored.uid,
      severity: rescored.severity === "CRITICAL" ? "LOW" : "CRITICAL",
    });
    // A change in another connection of the same tenant is none of this source's business.
    const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as Json;
    const elsewhere = (state.alerts as Json[]).find((a) => a.connection_id !== sim.config.connection_id)!;
    await post(sim, "/__sim/alerts/update", { uid: elsewhere.uid, activity: "update" });

    const next = await poll(checkpoint);
    const { created, changed } = store(kept, next);
    assert.deepEqual(new Set(created), new Set(fresh));
    assert.deepEqual(new Set(changed), new Set([closed.uid, rescored.uid]));
    const returned = next.flatMap((p) => (p.alerts as Json[]).map(uidOf));
    assert.ok(!returned.includes(elsewhere.uid));

    const byId = new Map(next.flatMap((p) => p.alerts as Json[]).map((a) => [uidOf(a), a]));
    const closedEvent = leenAlertSource.normalize(byId.get(closed.uid)!);
    assert.deepEqual(
      [closedEvent.activity_id, closedEvent.status_id, closedEvent.status],
      [3, 4, "Resolved"],
    );
    assert.ok(next.at(-1)!.checkpoint.modified_time! > checkpoint.modified_time!);

    const quiet = await poll(next.at(-1)!.checkpoint);
    assert.deepEqual(Object.values(store(kept, quiet)), [[], []]);
  });

  test("a poll cut short after its first page resumes from where it started, and misses nothing", async () => {
    await post(sim, "/__sim/reset", {});
    const kept = new Map<string, string>();
    const start = (await poll(undefined)).at(-1)!.checkpoint;
    // Spread over the tenant's five connections: enough for several pages of this one.
    await post(sim, "/__sim/generate", { count: 600 });
    const expected = (await ourAlerts()).filter((a) => a.modified_time >= start.modified_time!);
    assert.ok(expected.length > 100, "the changes span several pages");

    // The process dies after committing one page: its checkpoint is what the next poll starts from.
    let committed: LeenCheckpoint | undefined;
    for await (const page of leenAlertSource.poll({
      client,
      checkpoint: start,
      inbox: noInbox,
      now: Date.now,
    })) {
      store(kept, [page]);
      committed = page.checkpoint;
      break;
    }
    assert.deepEqual(committed, start);
    store(kept, await poll(committed));
    for (const alert of expected) assert.ok(kept.has(alert.uid), `${alert.uid} stored`);
  });
});
