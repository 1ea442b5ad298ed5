import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { type ConnectorClient, createClient, jsonLogger } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { rejectsWith, simState, testBadInput } from "../sdk/sim/testing.ts";
import { ironDefense } from "./connector.ts";
import { startIronDefenseSimulator } from "./simulator.ts";

type Json = Record<string, any>;
interface SimState {
  users: Array<{
    username: string;
    password: string;
    permissions: string[];
    logins: number;
    positions: { alert: number; event: number; dome: number };
  }>;
  tokens: { live: number; revocations: number };
  alerts: Array<Json & { id: string; event_ids: string[]; notes: Json[] }>;
  notifications: { alert: number; event: number; dome: number };
  threat_intel_rules: Json[];
  entity_records: Json[];
}

const fast = { initialDelayMs: 5, maxDelayMs: 20 };
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

function user(snapshot: SimState, username: string) {
  return snapshot.users.find((u) => u.username === username)!;
}

/** Every page a drain hands over, and the items on them. */
async function drain(client: ConnectorClient, op: string, items: string, input: Json = {}) {
  const pages: Json[][] = [];
  for await (const page of client.pages(op, input)) pages.push((page as Json)[items]);
  return { pages: pages.map((p) => p.length), items: pages.flat() };
}

describe("irondefense against its simulator", () => {
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startIronDefenseSimulator({ seed: 11 });
  });
  beforeEach(async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    client = createClient(ironDefense, sim.config, { resilience: fast });
  });
  afterEach(async () => {
    await client.close();
  });
  after(async () => {
    await sim.close();
  });

  test("Login keeps the JWT for later calls and reports only its expiry", async () => {
    const result = await client.call<Json>("Login");
    assert.equal(result.output.logged_in, true);
    assert.ok(Date.parse(result.output.token_expires_at) > Date.now());
    assert.doesNotMatch(JSON.stringify(result.output), JWT);
    assert.equal(user(await simState<SimState>(sim), "ironapi").logins, 1);
    await client.call("GetAlerts", { constraint: { limit: 1 } });
    await client.call("GetDomeNotifications", { limit: 1 });
    // The token from the explicit Login served both calls: no second login.
    assert.equal(user(await simState<SimState>(sim), "ironapi").logins, 1);
  });

  test("a wrong password is an AuthError carrying the appliance's msg", async () => {
    const bad = createClient(
      ironDefense,
      { ...sim.config, password: "wrong-password-42" },
      { resilience: fast },
    );
    const error = await rejectsWith(bad.call("Login"), "AuthError", /invalid username or password/);
    assert.equal(error.status, 401);
    await rejectsWith(bad.call("GetAlerts"), "AuthError", /login refused \(HTTP 401\)/);
    await bad.close();
  });

  test("GetAlerts filters by category, status, severity range and time range, and sorts", async () => {
    const all = (await simState<SimState>(sim)).alerts;
    const res = await client.call<Json>("GetAlerts", {
      category: ["C2", "ACCESS"],
      status: ["STATUS_AWAITING_REVIEW"],
      severity: { lower_bound: 300, upper_bound: 900 },
      sort: "severity",
      constraint: { limit: 500 },
    });
    const expected = all.filter(
      (a) =>
        ["C2", "ACCESS"].includes(a.category) &&
        a.status === "STATUS_AWAITING_REVIEW" &&
        a.severity >= 300 &&
        a.severity <= 900,
    );
    assert.ok(expected.length > 0);
    assert.equal(res.output.constraint.total, String(expected.length), "an int64: a string");
    assert.deepEqual(res.output.alerts.map((a: Json) => a.id).sort(), expected.map((a) => a.id).sort());
    const severities = res.output.alerts.map((a: Json) => a.severity);
    assert.deepEqual(
      severities,
      [...severities].sort((x, y) => x - y),
    );

    const newest = [...all].sort((x, y) => y.created.localeCompare(x.created)).slice(0, 5);
    const window = { start: newest.at(-1)!.created, end: newest[0]!.created };
    const recent = await client.call<Json>("GetAlerts", { created: window });
    assert.equal(recent.output.constraint.total, "5");

    const byId = await client.call<Json>("GetAlerts", { alert_id: [all[3]!.id] });
    assert.deepEqual(
      byId.output.alerts.map((a: Json) => a.id),
      [all[3]!.id],
    );
  });

  test("GetAlerts pages by constraint.limit/offset through every alert once", async () => {
    const page = await client.call<Json>("GetAlerts", { constraint: { limit: 25, offset: 100 } });
    assert.deepEqual(page.output.constraint, { limit: 25, offset: 100, total: "120" });
    assert.equal(page.output.alerts.length, 20);
    const ids: string[] = [];
    for await (const alert of client.items("GetAlerts", { constraint: { limit: 25 } }))
      ids.push((alert as Json).id);
    assert.equal(ids.length, 120);
    assert.equal(new Set(ids).size, 120);
  });

  test("the data is varied: every category, status and analyst rating; IPv4 and IPv6 events", async () => {
    const { alerts } = await simState<SimState>(sim);
    for (const category of ["C2", "ACTION", "ACCESS", "RECON", "OTHER"])
      assert.ok(
        alerts.some((a) => a.category === category),
        category,
      );
    for (const status of ["STATUS_AWAITING_REVIEW", "STATUS_UNDER_REVIEW", "STATUS_CLOSED"])
      assert.ok(
        alerts.some((a) => a.status === status),
        status,
      );
    for (const rating of [
      "SEVERITY_UNDECIDED",
      "SEVERITY_BENIGN",
      "SEVERITY_SUSPICIOUS",
      "SEVERITY_MALICIOUS",
    ])
      assert.ok(
        alerts.some((a) => a.analyst_severity === rating),
        rating,
      );
    assert.ok(new Set(alerts.map((a) => a.sub_category)).size >= 10);
    assert.ok(alerts.some((a) => a.severity < 200) && alerts.some((a) => a.severity >= 700));
    const { items } = await drain(client, "GetEventNotifications", "event_notifications");
    const ips = items.flatMap((n) => [n.event.src_ip, n.event.dst_ip]);
    assert.ok(
      ips.some((ip) => ip.includes(":")),
      "an IPv6 address",
    );
    assert.ok(
      ips.some((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)),
      "an IPv4 address",
    );
  });

  test("GetEvents lists an alert's events without context; GetEvent adds the context tables", async () => {
    const alert = (await simState<SimState>(sim)).alerts.find((a) => a.event_ids.length >= 3)!;
    const listed = await client.call<Json>("GetEvents", { alert_id: alert.id });
    assert.equal(listed.output.constraint.total, String(alert.event_ids.length));
    assert.deepEqual(listed.output.events.map((e: Json) => e.id).sort(), [...alert.event_ids].sort());
    for (const event of listed.output.events) {
      assert.equal(event.alert_id, alert.id);
      assert.equal(event.context, undefined);
    }
    const paged: string[] = [];
    for await (const event of client.items("GetEvents", { alert_id: alert.id, constraint: { limit: 2 } }))
      paged.push((event as Json).id);
    assert.deepEqual(
      paged,
      listed.output.events.map((e: Json) => e.id),
    );

    const one = await client.call<Json>("GetEvent", { event_id: alert.event_ids[0] });
    assert.equal(one.output.event.id, alert.event_ids[0]);
    assert.equal(typeof one.output.event.dst_port, "string");
    const flows = one.output.context.find((t: Json) => t.name === "flows");
    assert.ok(flows, "a flows context table");
    const srcIp = flows.columns.find((c: Json) => c.name === "src_ip");
    assert.deepEqual(srcIp.values[0].data, [{ ip_value: one.output.event.src_ip }]);
  });

  test("unknown ids are NotFound with the appliance's msg", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    await rejectsWith(client.call("GetEvent", { event_id: id }), "NotFoundError", /event .* not found/);
    await rejectsWith(
      client.call("SetAlertStatus", { alert_id: id, status: "STATUS_CLOSED" }),
      "NotFoundError",
    );
  });

  test("CommentOnAlert records a note, announces it, and shares it with IronDome when asked", async () => {
    await drain(client, "GetAlertNotifications", "alert_notifications");
    const alerts = (await simState<SimState>(sim)).alerts;
    let shared: string | undefined;
    for (const alert of alerts) {
      const dome = await client.call<Json>("GetAlertIronDomeInformation", { alert_id: alert.id });
      if (dome.output.correlations.length > 0) {
        shared = alert.id;
        break;
      }
    }
    assert.ok(shared, "an alert with IronDome correlations");
    const res = await client.call("CommentOnAlert", {
      alert_id: shared,
      comment: "Blocked at the firewall",
      share_comment_with_irondome: true,
    });
    assert.equal(res.status, 200);
    const after = (await simState<SimState>(sim)).alerts.find((a) => a.id === shared)!;
    assert.deepEqual(
      after.notes.map((n) => [n.comment, n.author, n.shared]),
      [["Blocked at the firewall", "ironapi", true]],
    );
    const notes = await client.call<Json>("GetAlertNotifications", { limit: 10 });
    assert.deepEqual(
      notes.output.alert_notifications.map((n: Json) => [n.alert_action, n.alert.id]),
      [["ANA_NOTE_CREATED", shared]],
    );
    const dome = await client.call<Json>("GetAlertIronDomeInformation", { alert_id: shared });
    const mine = dome.output.community_comments.filter((c: Json) => c.self);
    assert.deepEqual(
      mine.map((c: Json) => [c.comment, c.enterprise]),
      [["Blocked at the firewall", true]],
    );
  });

  test("RateAlert changes the rating later reads return and creates workflow notifications", async () => {
    await drain(client, "GetAlertNotifications", "alert_notifications");
    const alert = (await simState<SimState>(sim)).alerts.find(
      (a) => a.analyst_severity === "SEVERITY_UNDECIDED",
    )!;
    await client.call("RateAlert", {
      alert_id: alert.id,
      analyst_severity: "SEVERITY_MALICIOUS",
      analyst_expectation: "EXP_UNEXPECTED",
      comment: "C2 to known bad infrastructure",
    });
    const read = await client.call<Json>("GetAlerts", { alert_id: [alert.id] });
    assert.equal(read.output.alerts[0].analyst_severity, "SEVERITY_MALICIOUS");
    assert.equal(read.output.alerts[0].analyst_expectation, "EXP_UNEXPECTED");
    assert.ok(read.output.alerts[0].updated > alert.updated);
    const malicious = await client.call<Json>("GetAlerts", {
      alert_id: [alert.id],
      analyst_severity: ["SEVERITY_MALICIOUS"],
    });
    assert.equal(malicious.output.constraint.total, "1");
    await client.call("RateAlert", {
      alert_id: alert.id,
      analyst_severity: "SEVERITY_BENIGN",
      analyst_expectation: "EXP_EXPECTED",
    });
    const { items } = await drain(client, "GetAlertNotifications", "alert_notifications");
    const actions = items.map((n) => n.alert_action);
    assert.ok(actions.includes("ANA_NOTE_CREATED"));
    assert.ok(actions.includes("ANA_WORKFLOW_UPDATED"));
    assert.ok(actions.filter((a) => a.startsWith("ANA_WORKFLOW_")).length === 2);
    assert.equal(items.at(-1)!.alert.analyst_severity, "SEVERITY_BENIGN");
  });

  test("SetAlertStatus moves the alert and announces it on every event of the alert", async () => {
    await drain(client, "GetEventNotifications", "event_notifications");
    const alert = (await simState<SimState>(sim)).alerts.find((a) => a.status === "STATUS_AWAITING_REVIEW")!;
    await client.call("SetAlertStatus", {
      alert_id: alert.id,
      status: "STATUS_CLOSED",
      comment: "Benign scanner",
    });
    const closed = await client.call<Json>("GetAlerts", { alert_id: [alert.id], status: ["STATUS_CLOSED"] });
    assert.equal(closed.output.constraint.total, "1");
    const events = await client.call<Json>("GetEventNotifications", { limit: 500 });
    assert.deepEqual(
      events.output.event_notifications.map((n: Json) => [n.event_action, n.event.id]).sort(),
      alert.event_ids.map((id) => ["ENA_EVENT_ALERT_CLOSED", id]).sort(),
    );
  });

  test("ReportObservedBadActivity creates a rule that blacklists matching events", async () => {
    const alert = (await simState<SimState>(sim)).alerts[0]!;
    const event = (await client.call<Json>("GetEvent", { event_id: alert.event_ids[0] })).output.event;
    assert.equal(event.is_blacklisted, false);
    await client.call("ReportObservedBadActivity", {
      name: "Known loader C2",
      description: "Reported by the CERT",
      ip: event.dst_ip,
      activity_start_time: new Date(Date.parse(event.start_time) - 60_000).toISOString(),
      activity_end_time: new Date(Date.parse(event.end_time) + 60_000).toISOString(),
    });
    const rules = (await simState<SimState>(sim)).threat_intel_rules;
    assert.deepEqual(
      rules.map((r) => [r.name, r.ip, r.created_by]),
      [["Known loader C2", event.dst_ip, "ironapi"]],
    );
    const again = (await client.call<Json>("GetEvent", { event_id: event.id })).output.event;
    assert.equal(again.is_blacklisted, true);
  });

  test("UpdateEntityRecord attributes the lease holder to events of that IP", async () => {
    const alert = (await simState<SimState>(sim)).alerts[1]!;
    const event = (await client.call<Json>("GetEvent", { event_id: alert.event_ids[0] })).output.event;
    await client.call("UpdateEntityRecord", {
      ip: event.src_ip,
      hostname: "ws-finance-07.corp.example",
      mac_address: "00:1a:2b:3c:4d:5e",
      lease_start_time: new Date(Date.parse(event.start_time) - 3_600_000).toISOString(),
      lease_end_time: new Date(Date.parse(event.start_time) + 3_600_000).toISOString(),
      source: "dhcp",
    });
    const again = (await client.call<Json>("GetEvent", { event_id: event.id })).output.event;
    assert.equal(again.src_entity_attribute, "ws-finance-07.corp.example");
    assert.equal(again.src_entity_attribute_type, "hostname");
    assert.equal((await simState<SimState>(sim)).entity_records.length, 1);
  });

  test("notifications are consumed once per user and drained page by page", async () => {
    const before = await simState<SimState>(sim);
    const first = await drain(client, "GetAlertNotifications", "alert_notifications", { limit: 50 });
    assert.deepEqual(first.pages, [50, 50, 20]);
    assert.equal(first.items.length, before.notifications.alert);
    assert.equal(new Set(first.items.map((n) => n.alert.id)).size, 120);
    assert.ok(first.items.every((n) => n.alert_action === "ANA_ALERT_CREATED"));
    // Nothing drained is delivered again.
    const again = await client.call<Json>("GetAlertNotifications", { limit: 500 });
    assert.deepEqual(again.output.alert_notifications, []);
    // Another user has a read position of their own.
    const other = before.users.find((u) => u.username !== "ironapi" && u.permissions.length === 4)!;
    const second = createClient(
      ironDefense,
      { ...sim.config, username: other.username, password: other.password },
      { resilience: fast },
    );
    assert.equal((await drain(second, "GetAlertNotifications", "alert_notifications")).items.length, 120);
    await second.close();
    // New alerts arrive as new notifications only.
    const generated = (await (
      await fetch(`${sim.url}/__sim/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ count: 30 }),
      })
    ).json()) as { generated: string[] };
    const fresh = await drain(client, "GetAlertNotifications", "alert_notifications", { limit: 500 });
    assert.deepEqual(fresh.pages, [30]);
    assert.deepEqual(
      fresh.items.map((n) => n.alert.id),
      generated.generated,
    );
    assert.equal(user(await simState<SimState>(sim), "ironapi").positions.alert, 150);
  });

  test("one drain stops after 100 pages; the next poll picks up where it left off", async () => {
    const total = (await simState<SimState>(sim)).notifications.alert;
    const first = await drain(client, "GetAlertNotifications", "alert_notifications", { limit: 1 });
    assert.equal(first.pages.length, 100);
    const rest = await drain(client, "GetAlertNotifications", "alert_notifications", { limit: 500 });
    assert.equal(first.items.length + rest.items.length, total);
    assert.equal(new Set([...first.items, ...rest.items].map((n) => n.alert.id)).size, total);
  });

  test("event and dome notifications drain the same way", async () => {
    const before = await simState<SimState>(sim);
    const events = await drain(client, "GetEventNotifications", "event_notifications", { limit: 200 });
    assert.equal(events.items.length, before.notifications.event);
    assert.ok(events.pages.length >= 2);
    assert.ok(events.items.every((n) => n.event_action === "ENA_EVENT_CREATED"));
    const dome = await drain(client, "GetDomeNotifications", "dome_notifications");
    assert.equal(dome.items.length, before.notifications.dome);
    assert.ok(dome.items.length > 0);
    for (const n of dome.items) {
      assert.ok(Number.isInteger(n.id));
      assert.match(n.category, /^DNC_/);
      assert.ok(n.alert_ids.length === 1);
    }
    assert.equal((await drain(client, "GetDomeNotifications", "dome_notifications")).items.length, 0);
  });

  test("expired tokens: the next call gets 401, logs in again once and succeeds", async () => {
    await client.call("GetAlerts", { constraint: { limit: 1 } });
    assert.equal(user(await simState<SimState>(sim), "ironapi").logins, 1);
    await fetch(`${sim.url}/__sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fault: { kind: "expire-tokens" } }),
    });
    assert.equal((await simState<SimState>(sim)).tokens.live, 0);
    const result = await client.call<Json>("GetAlerts", { constraint: { limit: 1 } });
    assert.equal(result.status, 200);
    assert.equal(result.attempts, 2);
    const after = await simState<SimState>(sim);
    assert.equal(user(after, "ironapi").logins, 2);
    assert.equal(after.tokens.revocations, 1);
    // The new token is kept: no further logins.
    await client.call("GetAlerts", { constraint: { limit: 1 } });
    assert.equal(user(await simState<SimState>(sim), "ironapi").logins, 2);
  });

  test("the appliance itself answers 401 with a msg body to a stale or missing token", async () => {
    const missing = await fetch(`${sim.url}/IronApi/GetAlerts`, { method: "POST", body: "{}" });
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { msg: "authorization required" });
    const login = await fetch(`${sim.url}/IronApi/Login`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${sim.config.username}:${sim.config.password}`).toString("base64")}`,
      },
    });
    const token = login.headers.get("auth-token")!;
    assert.match(token, JWT);
    sim.faults.inject({ fault: { kind: "expire-tokens" } });
    const stale = await fetch(`${sim.url}/IronApi/GetAlerts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(stale.status, 401);
    assert.deepEqual(await stale.json(), { msg: "token is expired" });
  });

  test("a user without Edit Alert may read but not change alerts (403)", async () => {
    const viewer = user(await simState<SimState>(sim), "viewer");
    const readOnly = createClient(
      ironDefense,
      { ...sim.config, username: viewer.username, password: viewer.password },
      { resilience: fast },
    );
    const alert = (await simState<SimState>(sim)).alerts[0]!;
    await readOnly.call("GetAlerts", { alert_id: [alert.id] });
    const error = await rejectsWith(
      readOnly.call("SetAlertStatus", { alert_id: alert.id, status: "STATUS_CLOSED" }),
      "AuthError",
      /Edit Alert/,
    );
    assert.equal(error.status, 403);
    await readOnly.close();
  });
});

describe("irondefense tokens expire with time", () => {
  test("a JWT past its lifetime is refused with 401 and the connector logs in again", async () => {
    let clock = Date.parse("2024-05-01T12:00:00Z");
    const sim = await startIronDefenseSimulator({ seed: 9, alerts: 3, tokenTtlS: 600, now: () => clock });
    const client = createClient(ironDefense, sim.config, { resilience: fast });
    try {
      const login = await client.call<Json>("Login");
      assert.equal(login.output.token_expires_at, "2024-05-01T12:10:00.000Z");
      clock += 599_000;
      assert.equal((await client.call("GetAlerts")).attempts, 1);
      clock += 2_000;
      const renewed = await client.call("GetAlerts");
      assert.equal(renewed.attempts, 2);
      assert.equal(user(await simState<SimState>(sim), "ironapi").logins, 2);
    } finally {
      await client.close();
      await sim.close();
    }
  });
});

describe("irondefense faults and how the SDK answers them", () => {
  let sim: Simulator;

  before(async () => {
    sim = await startIronDefenseSimulator({ seed: 5, alerts: 10 });
  });
  afterEach(() => sim.faults.clear());
  after(async () => {
    await sim.close();
  });

  const withClient = async (config: Json, run: (client: ConnectorClient) => Promise<void>) => {
    const client = createClient(ironDefense, { ...sim.config, ...config }, { resilience: fast });
    try {
      await run(client);
    } finally {
      await client.close();
    }
  };

  test("429 with Retry-After is waited out and retried", async () => {
    await withClient({}, async (client) => {
      sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 1 }, path: "/GetAlerts" });
      const result = await client.call("GetAlerts");
      assert.equal(result.status, 200);
      assert.equal(result.attempts, 2);
    });
  });

  test("503 is retried until the appliance recovers", async () => {
    await withClient({}, async (client) => {
      sim.faults.inject({ fault: { kind: "status", status: 503 }, path: "/GetAlerts", times: 2 });
      const result = await client.call("GetAlerts");
      assert.equal(result.attempts, 3);
    });
  });

  test("400 is not retried", async () => {
    await withClient({}, async (client) => {
      sim.faults.inject({
        fault: { kind: "status", status: 400, message: "bad request" },
        path: "/GetAlerts",
      });
      const result = await client.call("GetAlerts", {}, { throwOnHttpError: false });
      assert.deepEqual([result.ok, result.status, result.attempts], [false, 400, 1]);
      assert.deepEqual(result.output, { msg: "bad request" });
      sim.faults.inject({
        fault: { kind: "status", status: 400, message: "bad request" },
        path: "/GetAlerts",
      });
      await rejectsWith(client.call("GetAlerts"), "ValidationError", /bad request/);
    });
  });

  test("a 500 is an UpstreamError that is not retried; a failed implicit login is an AuthError", async () => {
    await withClient({}, async (client) => {
      sim.faults.inject({ fault: { kind: "status", status: 500, message: "database down" }, path: "/Login" });
      const error = await rejectsWith(client.call("Login"), "UpstreamError", /HTTP 500: database down/);
      assert.equal(error.retryable, false);
      sim.faults.inject({ fault: { kind: "status", status: 500, message: "database down" }, path: "/Login" });
      await rejectsWith(client.call("GetAlerts"), "AuthError", /login failed \(HTTP 500\): database down/);
      assert.equal((await client.call("GetAlerts")).status, 200);
    });
  });

  test("malformed JSON is an UpstreamError", async () => {
    await withClient({}, async (client) => {
      await client.call("Login");
      sim.faults.inject({ fault: { kind: "malformed" }, path: "/GetAlerts" });
      await rejectsWith(client.call("GetAlerts"), "UpstreamError", /malformed JSON/);
    });
  });

  test("a hanging appliance is a TimeoutError after timeout_ms", async () => {
    await withClient({ timeout_ms: 300, max_attempts: 1 }, async (client) => {
      await client.call("Login");
      sim.faults.inject({ fault: { kind: "hang" }, path: "/GetAlerts" });
      await rejectsWith(client.call("GetAlerts"), "TimeoutError", /did not answer within 300 ms/);
    });
  });

  test("a reset connection is retried; when it persists it is a ConnectionError", async () => {
    await withClient({ max_attempts: 2 }, async (client) => {
      await client.call("Login");
      sim.faults.inject({ fault: { kind: "reset" }, path: "/GetDomeNotifications" });
      const result = await client.call("GetDomeNotifications", { limit: 1 });
      assert.equal(result.attempts, 2);
      sim.faults.inject({ fault: { kind: "reset" }, path: "/GetDomeNotifications", times: 0 });
      await rejectsWith(client.call("GetDomeNotifications", { limit: 1 }), "ConnectionError");
    });
  });

  test("latency delays but does not fail a call", async () => {
    await withClient({}, async (client) => {
      sim.faults.inject({ fault: { kind: "latency", ms: 50 }, path: "/GetAlerts" });
      assert.equal((await client.call("GetAlerts")).status, 200);
    });
  });

  test("the password and the JWT never reach errors, logs or outputs", async () => {
    const lines: string[] = [];
    const logger = jsonLogger("debug", (line) => {
      lines.push(line);
      return true;
    });
    const { password, username } = sim.config as { password: string; username: string };
    const seen: string[] = [];
    const client = createClient(ironDefense, sim.config, { resilience: fast, logger });
    seen.push(JSON.stringify((await client.call("Login")).output));
    seen.push(JSON.stringify((await client.call("GetAlerts", { constraint: { limit: 2 } })).output));
    sim.faults.inject({ fault: { kind: "expire-tokens" } });
    seen.push(JSON.stringify((await client.call("GetDomeNotifications", { limit: 5 })).output));
    sim.faults.inject({ fault: { kind: "status", status: 401, message: "token is expired" }, times: 3 });
    const error = await rejectsWith(client.call("GetAlerts"), "AuthError");
    seen.push(JSON.stringify(error), error.message, String(error.stack));
    await client.close();
    const bad = createClient(ironDefense, { ...sim.config, password: `${password}x` }, { logger });
    const refused = await rejectsWith(bad.call("GetAlerts"), "AuthError");
    seen.push(JSON.stringify(refused), refused.message, String(refused.stack));
    await bad.close();
    assert.ok(lines.length >= 4, "the logger saw the requests");
    const everything = [...seen, ...lines].join("\n");
    assert.ok(!everything.includes(password), "password leaked");
    assert.ok(
      !everything.includes(Buffer.from(`${username}:${password}`).toString("base64")),
      "Basic leaked",
    );
    assert.doesNotMatch(everything, JWT);
  });
});

describe("irondefense input is checked before any request", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  const id = "3f6b1c2e-8a4d-4e5f-9b7a-1c2d3e4f5a6b";
  const times = { activity_start_time: "2024-05-01T10:00:00Z", activity_end_time: "2024-05-01T11:00:00Z" };
  const lease = { lease_start_time: "2024-05-01T08:00:00Z", lease_end_time: "2024-05-01T20:00:00Z" };

  before(async () => {
    sim = await startIronDefenseSimulator({ seed: 3, alerts: 5 });
    client = createClient(ironDefense, sim.config);
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const cases: Array<[string, unknown, string]> = [
    ["Login", { username: "someone" }, "username"],
    ["GetAlerts", { status: ["STATUS_OPEN"] }, "status.0"],
    ["GetAlerts", { category: ["c2"] }, "category.0"],
    ["GetAlerts", { analyst_severity: ["MALICIOUS"] }, "analyst_severity.0"],
    ["GetAlerts", { analyst_expectation: ["EXP_MAYBE"] }, "analyst_expectation.0"],
    ["GetAlerts", { alert_id: ["not-a-uuid"] }, "alert_id.0"],
    ["GetAlerts", { sub_category: ["dns tunneling"] }, "sub_category.0"],
    ["GetAlerts", { severity: { lower_bound: 0, upper_bound: 1001 } }, "severity.upper_bound"],
    ["GetAlerts", { severity: { lower_bound: 900, upper_bound: 100 } }, "severity.lower_bound"],
    ["GetAlerts", { created: { start: "yesterday", end: "2024-05-01T00:00:00Z" } }, "created.start"],
    [
      "GetAlerts",
      { updated: { start: "2024-05-02T00:00:00Z", end: "2024-05-01T00:00:00Z" } },
      "updated.start",
    ],
    ["GetAlerts", { constraint: { limit: 0 } }, "constraint.limit"],
    ["GetEvents", {}, "alert_id"],
    ["GetEvents", { alert_id: id, constraint: { offset: -1 } }, "constraint.offset"],
    ["GetEvent", { event_id: "42" }, "event_id"],
    ["CommentOnAlert", { alert_id: id, comment: "" }, "comment"],
    [
      "CommentOnAlert",
      { alert_id: id, comment: "x", share_comment_with_irondome: "yes" },
      "share_comment_with_irondome",
    ],
    [
      "RateAlert",
      { alert_id: id, analyst_severity: "SEVERITY_HIGH", analyst_expectation: "EXP_UNKNOWN" },
      "analyst_severity",
    ],
    [
      "RateAlert",
      { alert_id: id, analyst_severity: "SEVERITY_BENIGN", analyst_expectation: "EXPECTED" },
      "analyst_expectation",
    ],
    ["RateAlert", { analyst_severity: "SEVERITY_BENIGN", analyst_expectation: "EXP_EXPECTED" }, "alert_id"],
    ["SetAlertStatus", { alert_id: id, status: "STATUS_OPEN" }, "status"],
    ["SetAlertStatus", { alert_id: id }, "status"],
    ["GetAlertIronDomeInformation", {}, "alert_id"],
    ["GetAlertNotifications", { limit: 501 }, "limit"],
    ["GetEventNotifications", { limit: 0 }, "limit"],
    ["GetDomeNotifications", { limit: 1.5 }, "limit"],
    ["ReportObservedBadActivity", { name: "x", description: "", ...times }, "ip"],
    ["ReportObservedBadActivity", { name: "x", description: "", ip: "999.1.1.1", ...times }, "ip"],
    ["ReportObservedBadActivity", { name: "x", description: "", domain: "bad domain", ...times }, "domain"],
    [
      "ReportObservedBadActivity",
      {
        name: "x",
        description: "",
        ip: "203.0.113.9",
        activity_start_time: times.activity_end_time,
        activity_end_time: times.activity_start_time,
      },
      "activity_start_time",
    ],
    ["ReportObservedBadActivity", { name: "", description: "", ip: "203.0.113.9", ...times }, "name"],
    ["UpdateEntityRecord", { ip: "10.1.2.3", ...lease }, "hostname"],
    ["UpdateEntityRecord", { ip: "10.1.2.3", mac_address: "zz:zz", ...lease }, "mac_address"],
    ["UpdateEntityRecord", { ip: "ws-07", hostname: "ws-07", ...lease }, "ip"],
    [
      "UpdateEntityRecord",
      { ip: "2001:db8::7", hostname: "ws-07", lease_start_time: "now", lease_end_time: lease.lease_end_time },
      "lease_start_time",
    ],
  ];
  testBadInput(ironDefense, cases, () => ({ sim, client }));

  test("well-formed input passes the same checks", () => {
    for (const [name, input] of [
      ["UpdateEntityRecord", { ip: "2001:db8::7", username: "jdoe", ...lease }],
      ["ReportObservedBadActivity", { name: "x", description: "y", domain: "evil.example", ...times }],
      ["GetAlerts", { severity: { lower_bound: 0, upper_bound: 1000 }, sort: "-severity" }],
    ] as const) {
      client.validateInput(ironDefense.operation(name)!, input);
    }
  });
});
