import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ConnectorClient, createClient } from "../sdk/index.ts";
import { realPayloadsSkip, realRecords, realText } from "../sdk/sim/real-payloads.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { shapeDifferences, shapeOf } from "../sdk/sim/shape.ts";
import { simState } from "../sdk/sim/testing.ts";
import { msDefender } from "./connector.ts";
import { startDefenderSimulator } from "./simulator.ts";

type Json = Record<string, unknown>;
const skip = realPayloadsSkip("ms-defender");
const fast = { initialDelayMs: 5, maxDelayMs: 20 };

/** Every published alert: the `.json` records and the 2019 resource example, whose one missing comma is put back. */
function publishedAlerts(): Array<{ name: string; alert: Json }> {
  if (skip) return [];
  const records = realRecords("ms-defender").map((r) => ({ name: r.name, alert: r.value as Json }));
  const name = "25-docs2019-mikatz-resource-example.published.txt";
  const text = realText("ms-defender", name).replace('"Some description"\n', '"Some description",\n');
  return [...records, { name, alert: JSON.parse(text) as Json }];
}

const byPrefix = (alerts: Array<{ name: string; alert: Json }>, ...prefixes: string[]) =>
  alerts.filter((a) => prefixes.some((p) => a.name.startsWith(p))).map((a) => a.alert);

describe("ms-defender with real published alerts", { skip }, () => {
  const alerts = publishedAlerts();
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startDefenderSimulator({ seed: 5, alerts: 0 });
    client = createClient(msDefender, { ...sim.config, strict_output: false }, { resilience: fast });
  });
  beforeEach(async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const load = async (records: Json[]) => {
    const res = await fetch(`${sim.url}/__sim/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ alerts: records }),
    });
    assert.equal(res.status, 200, await res.clone().text());
  };

  test("there are real alerts to test with", () => {
    assert.ok(alerts.length >= 7, `${alerts.length} published alerts`);
  });

  for (const { name, alert } of publishedAlerts()) {
    test(`${name}: listAlerts and getAlert return it as published, with no warning`, async () => {
      await load([alert]);
      const id = String(alert.id);
      const page = await client.call<{ value: Json[] }>("listAlerts", {
        filter: `id eq '${id}'`,
        expandEvidence: true,
      });
      assert.deepEqual(page.warnings, []);
      assert.deepEqual(Object.keys(page.output).sort(), ["@odata.context", "value"], "the real envelope");
      assert.deepEqual(page.output.value, [alert]);
      const one = await client.call<Json>("getAlert", { id });
      assert.deepEqual(one.warnings, []);
      const { "@odata.context": _context, ...rest } = one.output;
      const { "@odata.context": _own, ...published } = alert;
      assert.deepEqual(rest, {
        ...published,
        ...(Array.isArray(alert.evidence) ? { evidence: [] } : {}),
      });
    });
  }

  test("the 2019 listing, whole, pages through the connector with no warning", async () => {
    const [envelope] = realRecords("ms-defender", "envelopes");
    const value = (envelope!.value as { value: Json[] }).value;
    await load(value);
    const items: unknown[] = [];
    for await (const item of client.items("listAlerts", { top: 2 })) items.push(item);
    assert.deepEqual(new Set(items.map((a) => (a as Json).id)), new Set(value.map((a) => a.id)));
    const page = await client.call("listAlerts", { top: 10 });
    assert.deepEqual(page.warnings, []);
    assert.deepEqual(Object.keys(page.output as Json).sort(), Object.keys(envelope!.value as Json).sort());
  });

  test("strict_output accepts every real alert too: the schema knows these shapes", async () => {
    await load(alerts.map((a) => a.alert));
    const strict = createClient(msDefender, { ...sim.config, strict_output: true }, { resilience: fast });
    try {
      const page = await strict.call<{ value: Json[] }>("listAlerts", { expandEvidence: true });
      assert.equal(page.output.value.length, alerts.length);
    } finally {
      await strict.close();
    }
  });

  test("the simulator's alerts have the fields and types of the current published alerts", async () => {
    const current = await startDefenderSimulator({ seed: 5 });
    try {
      const generated = (await simState<{ alerts: Json[] }>(current)).alerts;
      const real = byPrefix(alerts, "22-", "23-");
      assert.deepEqual(shapeDifferences(shapeOf(generated), shapeOf(real)), []);
      const evidence = generated.flatMap((a) => a.evidence as Json[]);
      assert.ok(
        evidence.every((e) => Object.values(e).filter((v) => v === null).length >= 10),
        "every evidence key is sent, most of them null",
      );
    } finally {
      await current.close();
    }
  });

  test("an older tenant's alerts have the fields and types of the 2019 alerts", async () => {
    const legacy = await startDefenderSimulator({ seed: 5, legacyTenant: true });
    try {
      const generated = (await simState<{ alerts: Json[] }>(legacy)).alerts;
      const real = byPrefix(alerts, "26-", "27-", "28-");
      assert.deepEqual(shapeDifferences(shapeOf(generated), shapeOf(real)), []);
      assert.ok(generated.some((a) => a.category === "null" && a.detectionSource === "CustomerTI"));
      const legacyClient = createClient(msDefender, legacy.config, { resilience: fast });
      const page = await legacyClient.call("listAlerts", { expandEvidence: true });
      await legacyClient.close();
      assert.deepEqual(page.warnings, []);
    } finally {
      await legacy.close();
    }
  });
});
