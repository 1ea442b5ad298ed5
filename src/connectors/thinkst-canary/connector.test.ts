import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ConnectorClient, createClient } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { rejectsWith, simState, testBadInput } from "../sdk/sim/testing.ts";
import { thinkstCanary } from "./connector.ts";
import { startCanarySimulator } from "./simulator.ts";

interface Feed {
  incidents: Array<{ id: string; updated_id: number; description: Record<string, string> }>;
  max_updated_id: number;
  cursor?: { next: string | null; next_link: string | null };
}
interface SimState {
  tokens: { admin: string; readOnly: string };
  incidents: Array<Record<string, string> & { updated_id: number; hash_id: string }>;
}

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

describe("thinkst-canary against its simulator", () => {
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startCanarySimulator({ seed: 7 });
  });
  beforeEach(async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    client = createClient(thinkstCanary, sim.config, { resilience: fast });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  test("fetches one incident by key and by hash", async () => {
    const [incident] = (await simState<SimState>(sim)).incidents;
    const byKey = await client.call<{ incident: Record<string, string> }>("fetchIncident", {
      incident: incident!.id,
    });
    assert.equal(byKey.status, 200);
    assert.equal(byKey.output.incident.id, incident!.id);
    assert.ok(Array.isArray(byKey.output.incident.events));
    const byHash = await client.call<{ incident: Record<string, string> }>("fetchIncident", {
      hash_id: incident!.hash_id,
    });
    assert.equal(byHash.output.incident.id, incident!.id);
  });

  test("acknowledge and unacknowledge change what later reads return", async () => {
    const [incident] = (await simState<SimState>(sim)).incidents;
    const ack = await client.call("acknowledgeIncident", { incident: incident!.id });
    assert.deepEqual(ack.output, { action: "acknowledged", key: incident!.id, result: "success" });
    assert.equal(
      (await simState<SimState>(sim)).incidents.find((i) => i.id === incident!.id)!.acknowledged,
      "True",
    );
    await client.call("unacknowledgeIncident", { incident: incident!.id });
    assert.equal(
      (await simState<SimState>(sim)).incidents.find((i) => i.id === incident!.id)!.acknowledged,
      "False",
    );
  });

  test("deletes one incident; fetching it afterwards is NotFound", async () => {
    const [incident] = (await simState<SimState>(sim)).incidents;
    const deleted = await client.call("deleteIncident", { incident: incident!.id });
    assert.deepEqual(deleted.output, { action: "deleted", key: incident!.id, result: "success" });
    await rejectsWith(
      client.call("fetchIncident", { incident: incident!.id }),
      "NotFoundError",
      /Incident not found/,
    );
  });

  test("bulk acknowledge by node, bulk unacknowledge, and bulk delete only acknowledged by default", async () => {
    const before = await simState<SimState>(sim);
    const node = before.incidents[0]!.node_id!;
    const expected = before.incidents
      .filter((i) => i.node_id === node)
      .map((i) => i.id)
      .sort();
    const acked = await client.call<{ keys: string[] }>("acknowledgeIncidents", { node_id: node });
    assert.deepEqual([...acked.output.keys].sort(), expected);
    const unacked = await client.call<{ keys: string[] }>("unacknowledgeIncidents", {
      node_id: node,
      filter_logtypes: before.incidents[0]!.logtype!,
    });
    assert.ok(unacked.output.keys.length >= 1);
    const deleted = await client.call<{ keys: string[] }>("deleteIncidents", { node_id: node });
    assert.equal(deleted.output.keys.length, expected.length - unacked.output.keys.length);
    const all = await client.call<{ keys: string[] }>("deleteIncidents", {
      node_id: node,
      include_unacknowledged: true,
    });
    assert.equal(all.output.keys.length, unacked.output.keys.length);
    assert.equal((await simState<SimState>(sim)).incidents.filter((i) => i.node_id === node).length, 0);
  });

  test("bulk filters: older_than and filter_str", async () => {
    const acked = await client.call<{ keys: string[] }>("acknowledgeIncidents", { older_than: "7d" });
    const now = Date.now() / 1000;
    const snapshot = await simState<SimState>(sim);
    for (const key of acked.output.keys) {
      const incident = snapshot.incidents.find((i) => i.id === key)!;
      assert.ok(Number(incident.created) < now - 7 * 86_400);
    }
    const name = snapshot.incidents[3]!.name!;
    const byName = await client.call<{ keys: string[] }>("acknowledgeIncidents", { filter_str: name });
    for (const key of byName.output.keys)
      assert.equal(snapshot.incidents.find((i) => i.id === key)!.name, name);
  });

  test("lists feeds with incidents_since and max_updated_id for polling", async () => {
    const first = (await client.call<Feed>("listAllIncidents")).output;
    assert.equal(first.incidents.length, 60);
    const since = first.max_updated_id;
    assert.equal(
      (await client.call<Feed>("listAllIncidents", { incidents_since: since })).output.incidents.length,
      0,
    );
    await client.call("acknowledgeIncident", { incident: first.incidents[5]!.id });
    const changed = (await client.call<Feed>("listAllIncidents", { incidents_since: since })).output;
    assert.deepEqual(
      changed.incidents.map((i) => i.id),
      [first.incidents[5]!.id],
    );
    const acked = (await client.call<Feed>("listAcknowledgedIncidents")).output;
    assert.equal(acked.incidents.length, 1);
    assert.equal((await client.call<Feed>("listUnacknowledgedIncidents")).output.incidents.length, 59);
  });

  test("cursor paging streams every incident exactly once", async () => {
    const page = (await client.call<Feed>("listAllIncidents", { limit: 7 })).output;
    assert.equal(page.incidents.length, 7);
    assert.ok(page.cursor?.next);
    const ids: string[] = [];
    for await (const item of client.items("listAllIncidents")) ids.push((item as { id: string }).id);
    assert.equal(ids.length, 60);
    assert.equal(new Set(ids).size, 60);
  });

  test("event_limit and tz shape the incidents", async () => {
    const feed = (await client.call<Feed>("listAllIncidents", { event_limit: 1, tz: "Africa/Johannesburg" }))
      .output;
    for (const i of feed.incidents) assert.ok((i.description.events as unknown as unknown[]).length <= 1);
    assert.match(feed.incidents[0]!.description.created_std!, /Africa\/Johannesburg\+0200$/);
    await rejectsWith(client.call("listAllIncidents", { tz: "Mars/Olympus" }), "ValidationError", /tz/);
  });

  test("auth: a wrong token is an AuthError; a read-only token may read but not act", async () => {
    const bad = createClient(
      thinkstCanary,
      { ...sim.config, auth_token: "not-a-real-token-123" },
      { resilience: fast },
    );
    const error = await rejectsWith(bad.call("ping"), "AuthError", /Unauthorized/);
    assert.equal(error.status, 401);
    assert.doesNotMatch(JSON.stringify(error), /not-a-real-token-123/);
    await bad.close();
    const readOnly = createClient(thinkstCanary, {
      ...sim.config,
      auth_token: (await simState<SimState>(sim)).tokens.readOnly,
    });
    const [incident] = (await simState<SimState>(sim)).incidents;
    await readOnly.call("fetchIncident", { incident: incident!.id });
    await rejectsWith(
      readOnly.call("acknowledgeIncident", { incident: incident!.id }),
      "AuthError",
      /permission/,
    );
    await readOnly.close();
  });

  test("the token in the query string works too, as the docs describe", async () => {
    const res = await fetch(`${sim.url}/api/v1/ping?auth_token=${sim.config.auth_token}`);
    assert.deepEqual(await res.json(), { result: "success" });
    const bad = await fetch(`${sim.url}/api/v1/ping?auth_token=nope`);
    assert.equal(bad.status, 401);
    assert.deepEqual(await bad.json(), { result: "error", message: "Invalid auth_token" });
  });
});

describe("thinkst-canary input is checked before any request", () => {
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startCanarySimulator({ seed: 3 });
    client = createClient(thinkstCanary, sim.config);
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const cases: Array<[string, unknown, string]> = [
    ["acknowledgeIncident", {}, "incident"],
    ["unacknowledgeIncident", { incident: 42 }, "incident"],
    ["deleteIncident", { incident: "" }, "incident"],
    ["fetchIncident", {}, "incident"],
    ["fetchIncident", { incident: "x", extended_details: "yes" }, "extended_details"],
    ["acknowledgeIncidents", {}, "flock_id"],
    ["acknowledgeIncidents", { node_id: "a", src_host: "1.2.3.4" }, "src_host"],
    ["unacknowledgeIncidents", { older_than: "3 days" }, "older_than"],
    ["deleteIncidents", { filter_logtypes: "ssh" }, "filter_logtypes"],
    ["deleteIncidents", { node_id: "n", colour: "red" }, "colour"],
    ["listAllIncidents", { incidents_since: -1 }, "incidents_since"],
    ["listUnacknowledgedIncidents", { newer_than: "yesterday" }, "newer_than"],
    ["listAcknowledgedIncidents", { limit: 0 }, "limit"],
    ["ping", { extra: 1 }, "extra"],
  ];
  testBadInput(thinkstCanary, cases, () => ({ sim, client }));
});
