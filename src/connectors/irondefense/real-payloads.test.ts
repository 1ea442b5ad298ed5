import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ConnectorClient, createClient } from "../sdk/index.ts";
import { realPayloadsSkip, realRecords } from "../sdk/sim/real-payloads.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { shapeDifferences, shapeOf } from "../sdk/sim/shape.ts";
import { simState } from "../sdk/sim/testing.ts";
import { ironDefense } from "./connector.ts";
import { startIronDefenseSimulator } from "./simulator.ts";

type Json = Record<string, any>;
const skip = realPayloadsSkip("irondefense");
const fast = { initialDelayMs: 5, maxDelayMs: 20 };

/** The published IronAPI replies, by the number their file name starts with. */
function published(): Record<string, Json> {
  return Object.fromEntries(realRecords("irondefense").map((r) => [r.name.slice(0, 2), r.value as Json]));
}

/** The XSOAR stubs: hand-written values, so only their envelope's field names count. */
function stubEnvelope(operation: string): Json {
  const stub = realRecords("irondefense", "envelopes").find((r) => r.name === `xsoar-stub-${operation}.json`);
  assert.ok(stub, `the ${operation} stub envelope`);
  return stub.value as Json;
}

const keys = (value: Json) => Object.keys(value).sort();

describe("irondefense with real published IronAPI replies", { skip }, () => {
  const real = skip ? {} : published();
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startIronDefenseSimulator({ seed: 5, alerts: 0 });
    client = createClient(ironDefense, sim.config, { resilience: fast });
  });
  beforeEach(async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const load = async (path: string, body: unknown) => {
    const res = await fetch(`${sim.url}/__sim/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.clone().text());
  };

  test("GetEvent returns the published C2 DNS-tunneling event with its context tables, no warning", async () => {
    const reply = real["01"]!;
    await load("events", { events: [reply] });
    const got = await client.call<Json>("GetEvent", { event_id: reply.event.id });
    assert.deepEqual(got.warnings, []);
    assert.deepEqual(got.output, reply);
    assert.equal(got.output.event.dst_port, "53", "int64 as a string");
  });

  test("the published context tables (enterprise IPs, a summary with a timestamp cell) pass GetEvent", async () => {
    const reply = { event: real["01"]!.event, context: [real["04"], real["05"]] };
    await load("events", { events: [reply] });
    const got = await client.call<Json>("GetEvent", { event_id: reply.event.id });
    assert.deepEqual(got.warnings, []);
    assert.deepEqual(got.output, reply);
  });

  test("GetEventNotifications hands over the published event once, in the envelope the stubs show", async () => {
    await load("events", { events: [real["01"]] });
    const got = await client.call<Json>("GetEventNotifications", { limit: 10 });
    assert.deepEqual(got.warnings, []);
    assert.deepEqual(keys(got.output), keys(stubEnvelope("GetEventNotifications")));
    assert.deepEqual(got.output.event_notifications, [
      { event_action: "ENA_EVENT_CREATED", event: real["01"]!.event },
    ]);
    const again = await client.call<Json>("GetEventNotifications", { limit: 10 });
    assert.deepEqual(again.output.event_notifications, []);
  });

  test("GetAlertIronDomeInformation returns the published IronDome reply, no warning", async () => {
    const info = real["02"]!;
    const alertId = info.dome_notifications[0].alert_ids[0];
    await load("irondome", { alert_id: alertId, information: info });
    const got = await client.call<Json>("GetAlertIronDomeInformation", { alert_id: alertId });
    assert.deepEqual(got.warnings, []);
    assert.deepEqual(got.output, info);
  });

  test("GetDomeNotifications hands over the published dome notification, no warning", async () => {
    await load("dome-notifications", { notifications: [real["03"]] });
    const got = await client.call<Json>("GetDomeNotifications", { limit: 10 });
    assert.deepEqual(got.warnings, []);
    assert.deepEqual(got.output, { dome_notifications: [real["03"]] });
  });

  test("strict_output accepts them too: the schemas know these shapes", async () => {
    await load("events", { events: [real["01"]] });
    const info = real["02"]!;
    await load("irondome", { alert_id: info.dome_notifications[0].alert_ids[0], information: info });
    const strict = createClient(ironDefense, { ...sim.config, strict_output: true }, { resilience: fast });
    try {
      await strict.call("GetEvent", { event_id: real["01"]!.event.id });
      await strict.call("GetAlertIronDomeInformation", { alert_id: info.dome_notifications[0].alert_ids[0] });
    } finally {
      await strict.close();
    }
  });

  describe("the simulator's own replies have the published fields and types", () => {
    let busy: Simulator;
    let reader: ConnectorClient;
    const events: Json[] = [];
    const contexts: Json[] = [];
    const domes: Json[] = [];
    let alerts: Json;
    let notifications: Json[] = [];

    before(async () => {
      busy = await startIronDefenseSimulator({ seed: 5 });
      reader = createClient(ironDefense, busy.config, { resilience: fast });
      const state = await simState<{ alerts: Array<{ id: string }> }>(busy);
      alerts = (await reader.call<Json>("GetAlerts", { constraint: { limit: 5 } })).output;
      for (const { id } of state.alerts.slice(0, 60)) {
        const listed = await reader.call<Json>("GetEvents", { alert_id: id });
        assert.deepEqual(listed.warnings, []);
        events.push(...listed.output.events);
        const one = await reader.call<Json>("GetEvent", { event_id: listed.output.events[0].id });
        assert.deepEqual(one.warnings, []);
        contexts.push(...one.output.context);
        const dome = await reader.call<Json>("GetAlertIronDomeInformation", { alert_id: id });
        assert.deepEqual(dome.warnings, []);
        if (dome.output.correlations.length > 0) domes.push(dome.output);
      }
      for await (const n of reader.items("GetDomeNotifications")) notifications.push(n as Json);
    });
    after(async () => {
      await reader.close();
      await busy.close();
    });

    test("events: the same fields as the published event, int64 counts as strings", () => {
      assert.deepEqual(shapeDifferences(shapeOf(events), shapeOf([real["01"]!.event])), []);
      assert.ok(events.every((e) => typeof e.bytes_in === "string" && typeof e.dst_port === "string"));
    });

    test("context tables: the same typed cells, long_value as a string", () => {
      const published = [...real["01"]!.context, real["04"], real["05"]];
      assert.deepEqual(shapeDifferences(shapeOf(contexts), shapeOf(published)), []);
    });

    test("IronDome information: the published fields and types", () => {
      assert.ok(domes.length > 0);
      const ignore = ["dome_notifications"];
      assert.deepEqual(shapeDifferences(shapeOf(domes, ignore), shapeOf([real["02"]], ignore)), []);
    });

    test("dome notifications of the published category have its fields", () => {
      const record = real["03"]!;
      notifications = notifications.filter((n) => n.category === record.category);
      assert.ok(notifications.length > 0);
      assert.deepEqual(shapeDifferences(shapeOf(notifications), shapeOf([record])), []);
    });

    test("listing envelopes have the fields the client stubs show; constraint.total is an int64 string", async () => {
      assert.deepEqual(keys(alerts), keys(stubEnvelope("GetAlerts")));
      assert.deepEqual(keys(alerts.constraint), keys(stubEnvelope("GetAlerts").constraint));
      assert.equal(typeof alerts.constraint.total, "string");
      const state = await simState<{ alerts: Array<{ id: string }> }>(busy);
      const listed = (await reader.call<Json>("GetEvents", { alert_id: state.alerts[0]!.id })).output;
      assert.deepEqual(keys(listed), keys(stubEnvelope("GetEvents")));
      const drained = (await reader.call<Json>("GetAlertNotifications", { limit: 1 })).output;
      assert.deepEqual(keys(drained), keys(stubEnvelope("GetAlertNotifications")));
    });
  });
});
