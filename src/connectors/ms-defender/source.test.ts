import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ConnectorClient, createClient, type RampartError, type SourceInbox } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { msDefender } from "./connector.ts";
import { vendor } from "./index.ts";
import type { DefenderAlert } from "./normalize.ts";
import { startDefenderSimulator } from "./simulator.ts";
import { createDefenderAlertSource, type DefenderCheckpoint, defenderAlertSource } from "./source.ts";

type Json = Record<string, any>;
type Page = { alerts: unknown[]; checkpoint: DefenderCheckpoint };

const START = Date.parse("2025-06-02T09:30:00Z");
const DAY = 86_400_000;

/** Defender never hands out data once only, so the inbox stays empty. */
const noInbox: SourceInbox = {
  save: async () => {
    throw new Error("the Defender source keeps nothing in the inbox");
  },
  pending: async () => [],
};

async function poll(
  source: typeof defenderAlertSource,
  client: ConnectorClient,
  checkpoint: DefenderCheckpoint | undefined,
): Promise<Page[]> {
  const pages: Page[] = [];
  for await (const page of source.poll({ client, checkpoint, inbox: noInbox, now: Date.now }))
    pages.push(page as Page);
  return pages;
}

const maxUpdate = (alerts: Array<{ lastUpdateTime: string }>) =>
  new Date(Math.max(...alerts.map((a) => Date.parse(a.lastUpdateTime)))).toISOString();

/**
 * What the alert store would make of a poll: it keys alerts by vendor id and compares their
 * normalized content, so an alert is new, updated or unchanged.
 */
function store(stored: Map<string, string>, alerts: unknown[]) {
  const result = { new: [] as string[], updated: [] as string[], unchanged: [] as string[] };
  for (const raw of alerts) {
    const id = defenderAlertSource.alertId(raw);
    const content = JSON.stringify(defenderAlertSource.normalize(raw));
    const before = stored.get(id);
    if (before === undefined) result.new.push(id);
    else if (before === content) result.unchanged.push(id);
    else result.updated.push(id);
    stored.set(id, content);
  }
  return result;
}

describe("defenderAlertSource against the simulator", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  let clock = START;

  before(async () => {
    sim = await startDefenderSimulator({ seed: 5, now: () => clock });
    client = createClient(msDefender, sim.config, { resilience: { initialDelayMs: 5, maxDelayMs: 20 } });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  test("is the registered source of the ms-defender vendor", () => {
    assert.equal(vendor.alertSource, defenderAlertSource);
  });

  test("polls everything, then only what changed since the checkpoint, page by page", async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    clock = START;
    const source = createDefenderAlertSource({ pageSize: 25 });
    const tenant = (
      (await (await fetch(`${sim.url}/__sim/state`)).json()) as {
        alerts: Array<DefenderAlert & { lastUpdateTime: string }>;
      }
    ).alerts;
    const stored = new Map<string, string>();

    // First poll: every alert, over next links, 25 at a time.
    const first = await poll(source, client, undefined);
    assert.equal(first.length, Math.ceil(tenant.length / 25));
    const firstAlerts = first.flatMap((p) => p.alerts) as DefenderAlert[];
    assert.deepEqual(new Set(firstAlerts.map((a) => a.id)), new Set(tenant.map((a) => a.id)));
    assert.equal(firstAlerts.length, 120);
    assert.ok(
      firstAlerts.every((a) => (a.evidence ?? []).length > 0),
      "evidence is expanded",
    );
    // Only the last page advances the checkpoint, to the newest lastUpdateTime of the tenant.
    const checkpoint = first.at(-1)!.checkpoint;
    assert.deepEqual(checkpoint, { lastUpdateTime: maxUpdate(tenant) });
    for (const page of first.slice(0, -1)) assert.deepEqual(page.checkpoint, {});
    assert.deepEqual(store(stored, firstAlerts).new.length, 120);

    // Second poll from the checkpoint: nothing new; the alerts updated in the checkpoint's very
    // millisecond come back (`ge`), exactly as they were.
    const second = await poll(source, client, checkpoint);
    const secondAlerts = second.flatMap((p) => p.alerts) as DefenderAlert[];
    const boundary = tenant.filter(
      (a) => Date.parse(a.lastUpdateTime) === Date.parse(checkpoint.lastUpdateTime!),
    );
    assert.ok(boundary.length >= 1);
    assert.deepEqual(new Set(secondAlerts.map((a) => a.id)), new Set(boundary.map((a) => a.id)));
    assert.deepEqual(store(stored, secondAlerts), {
      new: [],
      updated: [],
      unchanged: boundary.map((a) => a.id),
    });
    assert.deepEqual(second.at(-1)!.checkpoint, checkpoint);

    // Two days later: five new alerts, and an older one triaged.
    clock = START + 2 * DAY;
    const generated = (await (
      await fetch(`${sim.url}/__sim/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ count: 5 }),
      })
    ).json()) as { generated: string[] };
    assert.equal(generated.generated.length, 5);
    clock += 60_000;
    const triaged = tenant.find((a) => a.status === "New" && !boundary.some((b) => b.id === a.id))!;
    const updated = await client.call<Json>("updateAlert", {
      id: triaged.id,
      status: "InProgress",
      assignedTo: "analyst@example.com",
      comment: "Looking into it",
    });
    assert.equal(updated.output.lastUpdateTime.slice(0, 19), new Date(clock).toISOString().slice(0, 19));

    const third = await poll(source, client, second.at(-1)!.checkpoint);
    const thirdAlerts = third.flatMap((p) => p.alerts) as DefenderAlert[];
    const result = store(stored, thirdAlerts);
    assert.deepEqual(new Set(result.new), new Set(generated.generated));
    assert.deepEqual(result.updated, [triaged.id]);
    // Besides them only the earlier boundary duplicates, unchanged.
    assert.ok(result.unchanged.every((id) => boundary.some((b) => b.id === id)));
    assert.equal(thirdAlerts.length, 5 + 1 + result.unchanged.length);
    const triagedFinding = JSON.parse(stored.get(triaged.id)!);
    assert.equal(triagedFinding.status_id, 2);
    assert.equal(triagedFinding.assignee.name, "analyst@example.com");
    assert.deepEqual(third.at(-1)!.checkpoint, { lastUpdateTime: new Date(clock).toISOString() });

    // And from there, only the triaged alert's own millisecond comes back.
    const fourth = await poll(source, client, third.at(-1)!.checkpoint);
    assert.deepEqual(
      fourth.flatMap((p) => p.alerts).map((a) => defenderAlertSource.alertId(a)),
      [triaged.id],
    );
    assert.deepEqual(
      store(
        stored,
        fourth.flatMap((p) => p.alerts),
      ).unchanged,
      [triaged.id],
    );
  });

  test("the default page size reads a whole tenant in one API call", async () => {
    const tight = await startDefenderSimulator({ seed: 5, now: () => START, quotaPerMinute: 1 });
    const tightClient = createClient(msDefender, tight.config, {
      resilience: { initialDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 0 },
    });
    try {
      const pages = await poll(defenderAlertSource, tightClient, undefined);
      assert.equal(pages.length, 1);
      assert.equal(pages[0]!.alerts.length, 120);
      // The quota of one call a minute is now used up: the next poll is refused, not retried.
      await assert.rejects(
        poll(defenderAlertSource, tightClient, pages[0]!.checkpoint),
        (error: RampartError) => {
          assert.equal(error.type, "RateLimitedError");
          return true;
        },
      );
    } finally {
      await tightClient.close();
      await tight.close();
    }
  });

  test("alertId is the Defender alert id", () => {
    assert.equal(defenderAlertSource.alertId({ id: "da638000000000000000_1" }), "da638000000000000000_1");
  });
});
