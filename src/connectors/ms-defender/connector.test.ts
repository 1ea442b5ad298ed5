import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ConnectorClient, createClient, type Logger } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { rejectsWith, simState, testBadInput } from "../sdk/sim/testing.ts";
import { buildFilter, DEFAULT_SCOPE, msDefender } from "./connector.ts";
import { startDefenderSimulator } from "./simulator.ts";

type Json = Record<string, any>;
interface Alert extends Json {
  id: string;
  status: string;
  severity: string;
  lastUpdateTime: string;
  evidence: Json[];
  relatedUser: { userName: string } | null;
}
interface Page {
  "@odata.context": string;
  "@odata.nextLink"?: string;
  value: Alert[];
}
interface SimState {
  tenantId: string;
  apps: Array<{ clientId: string; secret: string; roles: string[] }>;
  tokenRequests: { total: number; issued: number; refused: number };
  tokens: Array<{ token: string; expired: boolean }>;
  unauthorizedReplies: number;
  alerts: Alert[];
}

const fast = { initialDelayMs: 5, maxDelayMs: 20 };
const START = Date.parse("2025-06-02T09:30:00Z");

const ipsOf = (alert: Alert) => alert.evidence.filter((e) => e.entityType === "Ip").map((e) => e.ipAddress);

describe("ms-defender against its simulator", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  let clock = START;

  before(async () => {
    sim = await startDefenderSimulator({ seed: 11, now: () => clock });
  });
  beforeEach(async () => {
    clock = START;
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    client = createClient(msDefender, sim.config, { resilience: fast });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  test("the tenant's alerts are varied: every severity, status and evidence type, IPv4 and IPv6", async () => {
    const { alerts } = await simState<SimState>(sim);
    assert.equal(alerts.length, 120);
    assert.deepEqual(
      new Set(alerts.map((a) => a.severity)),
      new Set(["Informational", "Low", "Medium", "High"]),
    );
    assert.deepEqual(new Set(alerts.map((a) => a.status)), new Set(["New", "InProgress", "Resolved"]));
    const types = new Set(alerts.flatMap((a) => a.evidence.map((e) => e.entityType)));
    for (const type of ["Ip", "Url", "File", "User", "Process"]) assert.ok(types.has(type), type);
    const ips = alerts.flatMap(ipsOf);
    assert.ok(
      ips.some((ip) => ip.includes(":")),
      "an IPv6 address",
    );
    assert.ok(
      ips.some((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)),
      "an IPv4 address",
    );
    assert.ok(new Set(alerts.map((a) => a.category)).size >= 8);
    assert.ok(alerts.every((a) => /^da\d{18}_-?\d+$/.test(a.id)));
    for (const file of alerts.flatMap((a) => a.evidence).filter((e) => e.entityType === "File")) {
      assert.match(file.sha1, /^[0-9a-f]{40}$/);
      assert.match(file.sha256, /^[0-9a-f]{64}$/);
    }
  });

  test("listAlerts: an OData page, evidence only with expandEvidence", async () => {
    const plain = await client.call<Page>("listAlerts", { top: 5 });
    assert.equal(plain.status, 200);
    assert.match(plain.output["@odata.context"], /\/api\/\$metadata#Alerts$/);
    assert.equal(plain.output.value.length, 5);
    assert.ok(plain.output.value.every((a) => a.evidence.length === 0));
    assert.ok(plain.output["@odata.nextLink"]);
    const expanded = await client.call<Page>("listAlerts", { top: 5, expandEvidence: true });
    assert.deepEqual(
      expanded.output.value.map((a) => a.id),
      plain.output.value.map((a) => a.id),
    );
    assert.ok(expanded.output.value.some((a) => a.evidence.length > 0));
    const created = plain.output.value.map((a) => Date.parse(a.alertCreationTime));
    assert.deepEqual(
      created,
      [...created].sort((a, b) => b - a),
      "newest first",
    );
  });

  test("getAlert returns the alert the listing holds", async () => {
    const { alerts } = await simState<SimState>(sim);
    const target = alerts[17]!;
    const res = await client.call<Alert>("getAlert", { id: target.id });
    assert.equal(res.status, 200);
    assert.equal(res.output.id, target.id);
    assert.equal(res.output.title, target.title);
    assert.equal(res.output.machineId, target.machineId);
  });

  test("getAlertIps returns the alert's IP evidence, IPv6 included", async () => {
    const { alerts } = await simState<SimState>(sim);
    const withV6 = alerts.find((a) => ipsOf(a).some((ip) => ip.includes(":")))!;
    const res = await client.call<{ value: Array<{ id: string }> }>("getAlertIps", { id: withV6.id });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.output.value.map((ip) => ip.id),
      ipsOf(withV6),
    );
    const none = alerts.find((a) => ipsOf(a).length === 0)!;
    assert.deepEqual(
      (await client.call<{ value: unknown[] }>("getAlertIps", { id: none.id })).output.value,
      [],
    );
  });

  test("getAlertDomains and getAlertFiles follow the Url and File/Process evidence", async () => {
    const { alerts } = await simState<SimState>(sim);
    const withUrl = alerts.find((a) => a.evidence.some((e) => e.entityType === "Url"))!;
    const domains = await client.call<{ value: Array<{ host: string }> }>("getAlertDomains", {
      id: withUrl.id,
    });
    const hosts = withUrl.evidence.filter((e) => e.entityType === "Url").map((e) => new URL(e.url).host);
    assert.deepEqual(new Set(domains.output.value.map((d) => d.host)), new Set(hosts));
    const withFile = alerts.find((a) => a.evidence.some((e) => e.entityType === "File"))!;
    const files = await client.call<{ value: Json[] }>("getAlertFiles", { id: withFile.id });
    const sha1s = withFile.evidence.filter((e) => e.sha1).map((e) => e.sha1);
    assert.deepEqual(
      files.output.value.map((f) => f.sha1),
      sha1s,
    );
    for (const file of files.output.value) {
      assert.match(file.md5, /^[0-9a-f]{32}$/);
      assert.equal(typeof file.globalPrevalence, "number");
    }
  });

  test("getAlertUser and getAlertMachine; an alert without a user answers 404", async () => {
    const { alerts } = await simState<SimState>(sim);
    const withUser = alerts.find((a) => a.relatedUser)!;
    const user = await client.call<Json>("getAlertUser", { id: withUser.id });
    assert.equal(user.output.accountName, withUser.relatedUser!.userName);
    assert.match(user.output.accountSid, /^S-1-5-21-/);
    const machine = await client.call<Json>("getAlertMachine", { id: withUser.id });
    assert.equal(machine.output.id, withUser.machineId);
    assert.equal(machine.output.computerDnsName, withUser.computerDnsName);
    const withoutUser = alerts.find((a) => a.relatedUser === null)!;
    const missing = await client.call<Json>(
      "getAlertUser",
      { id: withoutUser.id },
      { throwOnHttpError: false },
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.ok, false);
  });

  test("an unknown alert id: NotFoundError, or status 404 with throwOnHttpError false", async () => {
    const id = "da638000000000000000_123456789";
    const error = await rejectsWith(client.call("getAlert", { id }), "NotFoundError", /ResourceNotFound/);
    assert.equal(error.status, 404);
    for (const op of ["getAlert", "getAlertIps", "getAlertMachine", "updateAlert"]) {
      const input = op === "updateAlert" ? { id, status: "Resolved" } : { id };
      const res = await client.call<Json>(op, input, { throwOnHttpError: false });
      assert.equal(res.status, 404, op);
      assert.equal(res.ok, false);
      assert.equal(res.output.error.code, "ResourceNotFound");
      assert.match(res.output.error.message, new RegExp(id));
      assert.equal(typeof res.output.error.target, "string");
    }
  });

  test("updateAlert changes later reads and bumps lastUpdateTime", async () => {
    const { alerts } = await simState<SimState>(sim);
    const target = alerts.find((a) => a.status === "New")!;
    const newest = Math.max(...alerts.map((a) => Date.parse(a.lastUpdateTime)));
    clock += 5 * 60_000;
    const res = await client.call<Alert>("updateAlert", {
      id: target.id,
      status: "Resolved",
      assignedTo: "secop2@contoso.com",
      classification: "TruePositive",
      determination: "CompromisedAccount",
      comment: "Contained by Rampart",
    });
    assert.equal(res.status, 200);
    assert.equal(res.output.status, "Resolved");
    assert.ok(Date.parse(res.output.lastUpdateTime) > newest);
    const read = (await client.call<Alert>("getAlert", { id: target.id })).output;
    assert.equal(read.status, "Resolved");
    assert.equal(read.assignedTo, "secop2@contoso.com");
    assert.equal(read.classification, "TruePositive");
    assert.equal(read.determination, "CompromisedAccount");
    assert.equal(Date.parse(read.resolvedTime), clock);
    assert.equal(read.comments.at(-1).comment, "Contained by Rampart");
    // A poll for changes since the newest earlier update sees exactly this alert.
    const since = new Date(newest + 1).toISOString();
    const changed = await client.call<Page>("listAlerts", { updatedSince: since });
    assert.deepEqual(
      changed.output.value.map((a) => a.id),
      [target.id],
    );
    // A comment alone is an update too.
    clock += 1000;
    const commented = await client.call<Alert>("updateAlert", { id: target.id, comment: "second look" });
    assert.equal(commented.output.comments.length, 2);
    assert.equal(Date.parse(commented.output.lastUpdateTime), clock);
  });

  test("filters: status, severity, and, or, lastUpdateTime ge", async () => {
    const { alerts } = await simState<SimState>(sim);
    const ids = (list: Alert[]) => new Set(list.map((a) => a.id));
    const high = await client.call<Page>("listAlerts", { severity: "High" });
    assert.deepEqual(ids(high.output.value), ids(alerts.filter((a) => a.severity === "High")));
    const newHigh = await client.call<Page>("listAlerts", { status: "New", severity: "High" });
    assert.deepEqual(
      ids(newHigh.output.value),
      ids(alerts.filter((a) => a.severity === "High" && a.status === "New")),
    );
    assert.ok(newHigh.output.value.length > 0);
    const raw = await client.call<Page>("listAlerts", {
      filter: "(severity eq 'Low' or severity eq 'Informational') and status ne 'Resolved'",
    });
    assert.deepEqual(
      ids(raw.output.value),
      ids(
        alerts.filter(
          (a) => (a.severity === "Low" || a.severity === "Informational") && a.status !== "Resolved",
        ),
      ),
    );
    const sorted = alerts.map((a) => Date.parse(a.lastUpdateTime)).sort((a, b) => a - b);
    const cut = sorted[60]!;
    const recent = await client.call<Page>("listAlerts", {
      filter: `lastUpdateTime ge ${new Date(cut).toISOString()}`,
      severity: "Medium",
    });
    assert.deepEqual(
      ids(recent.output.value),
      ids(alerts.filter((a) => Date.parse(a.lastUpdateTime) >= cut && a.severity === "Medium")),
    );
    const byCategory = await client.call<Page>("listAlerts", { filter: "category eq 'Execution'" });
    assert.ok(byCategory.output.value.every((a) => a.category === "Execution"));
  });

  test("buildFilter ANDs the caller's filter with the convenience fields", () => {
    assert.equal(
      buildFilter({
        filter: "category eq 'Malware'",
        status: "New",
        updatedSince: "2024-01-01T00:00:00+02:00",
      }),
      "(category eq 'Malware') and status eq 'New' and lastUpdateTime ge 2023-12-31T22:00:00.000Z",
    );
    assert.equal(buildFilter({}), undefined);
  });

  test("next-link paging collects every alert exactly once", async () => {
    const total = (await simState<SimState>(sim)).alerts.length;
    const pages: Page[] = [];
    for await (const page of client.pages("listAlerts", { top: 17 })) pages.push(page as Page);
    assert.equal(pages.length, Math.ceil(total / 17));
    assert.ok(pages.slice(0, -1).every((p) => p["@odata.nextLink"]));
    assert.equal(pages.at(-1)!["@odata.nextLink"], undefined);
    const ids = pages.flatMap((p) => p.value.map((a) => a.id));
    assert.equal(ids.length, total);
    assert.equal(new Set(ids).size, total);
    // The next link carries the filter and expansion along.
    const medium: Alert[] = [];
    for await (const item of client.items("listAlerts", { top: 4, severity: "Medium", expandEvidence: true }))
      medium.push(item as Alert);
    const expected = (await simState<SimState>(sim)).alerts.filter((a) => a.severity === "Medium");
    assert.equal(medium.length, expected.length);
    assert.equal(new Set(medium.map((a) => a.id)).size, expected.length);
    assert.ok(medium.every((a) => a.severity === "Medium"));
    assert.ok(medium.some((a) => a.evidence.length > 0));
  });

  test("/__sim/generate adds alerts the API then lists", async () => {
    const res = await fetch(`${sim.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: 15 }),
    });
    const { generated } = (await res.json()) as { generated: string[] };
    assert.equal(generated.length, 15);
    const ids: string[] = [];
    for await (const item of client.items("listAlerts")) ids.push((item as Alert).id);
    assert.equal(ids.length, 135);
    for (const id of generated) assert.ok(ids.includes(id));
  });

  test("the token is fetched once and reused across many calls", async () => {
    const { alerts } = await simState<SimState>(sim);
    for (const alert of alerts.slice(0, 6)) {
      await client.call("getAlert", { id: alert.id });
      await client.call("getAlertIps", { id: alert.id });
    }
    await client.call("listAlerts", { top: 3 });
    const after = await simState<SimState>(sim);
    assert.equal(after.tokenRequests.total, 1);
    assert.equal(after.tokenRequests.issued, 1);
    assert.equal(after.unauthorizedReplies, 0);
  });

  test("an expiring token is renewed before it is sent again", async () => {
    const timed = createClient(msDefender, sim.config, { resilience: fast, now: () => clock });
    try {
      await timed.call("listAlerts", { top: 1 });
      clock += 30 * 60_000;
      await timed.call("listAlerts", { top: 1 });
      assert.equal((await simState<SimState>(sim)).tokenRequests.issued, 1, "still fresh after 30 minutes");
      clock += 31 * 60_000;
      const res = await timed.call("listAlerts", { top: 1 });
      assert.equal(res.attempts, 1);
      const s = await simState<SimState>(sim);
      assert.equal(s.tokenRequests.issued, 2);
      assert.equal(s.unauthorizedReplies, 0, "the stale token never reached the API");
      assert.deepEqual(
        s.tokens.map((t) => t.expired),
        [true, false],
      );
    } finally {
      await timed.close();
    }
  });

  test("expire-tokens: the 401 is answered by one new token, transparently", async () => {
    await client.call("listAlerts", { top: 1 });
    sim.faults.inject({ fault: { kind: "expire-tokens" } });
    const res = await client.call<Page>("listAlerts", { top: 2 });
    assert.equal(res.status, 200);
    assert.equal(res.output.value.length, 2);
    assert.equal(res.attempts, 2);
    const s = await simState<SimState>(sim);
    assert.equal(s.tokenRequests.issued, 2);
    assert.equal(s.unauthorizedReplies, 1);
  });

  test("token refusals: wrong secret, unknown app, unknown tenant are AuthErrors", async () => {
    const cases: Array<[Json, number, RegExp]> = [
      [{ client_secret: "Wrong8Q~notTheSecretValueAtAll1234" }, 401, /invalid_client/],
      [{ client_id: "00000000-0000-4000-8000-000000000000" }, 400, /unauthorized_client/],
      [{ tenant_id: "11111111-1111-4111-8111-111111111111" }, 400, /invalid_request/],
    ];
    for (const [change, status, pattern] of cases) {
      const bad = createClient(msDefender, { ...sim.config, ...change }, { resilience: fast });
      const error = await rejectsWith(bad.call("listAlerts"), "AuthError", pattern);
      assert.equal(error.status, status);
      assert.equal(error.retryable, false);
      await bad.close();
    }
    assert.equal((await simState<SimState>(sim)).tokenRequests.refused, 3);
  });

  test("a read-only app may list but not update (403 Forbidden)", async () => {
    const readOnly = (await simState<SimState>(sim)).apps[1]!;
    const ro = createClient(
      msDefender,
      { ...sim.config, client_id: readOnly.clientId, client_secret: readOnly.secret },
      { resilience: fast },
    );
    try {
      const list = await ro.call<Page>("listAlerts", { top: 1 });
      const id = list.output.value[0]!.id;
      await ro.call("getAlertIps", { id });
      const error = await rejectsWith(
        ro.call("updateAlert", { id, status: "InProgress" }),
        "AuthError",
        /Forbidden/,
      );
      assert.equal(error.status, 403);
      const res = await ro.call<Json>("getAlertDomains", { id }, { throwOnHttpError: false });
      assert.equal(res.status, 403);
      assert.equal(res.output.error.code, "Forbidden");
    } finally {
      await ro.close();
    }
  });

  test("the token endpoint answers like Entra ID", async () => {
    const { tenantId, apps } = await simState<SimState>(sim);
    const token = (form: Record<string, string>, tenant = tenantId) =>
      fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, { method: "POST", body: new URLSearchParams(form) });
    const app = apps[0]!;
    const base = {
      grant_type: "client_credentials",
      client_id: app.clientId,
      client_secret: app.secret,
      scope: DEFAULT_SCOPE,
    };
    const ok = await token(base);
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as Json;
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 3599);
    assert.equal(body.access_token.split(".").length, 3);
    const claims = JSON.parse(Buffer.from(body.access_token.split(".")[1], "base64url").toString());
    assert.ok(claims.roles.includes("Alert.ReadWrite.All"));
    assert.equal(claims.tid, tenantId);
    assert.equal(claims.aud, "https://api.securitycenter.microsoft.com");
    const other = await token({ ...base, scope: "https://api.security.microsoft.com/.default" });
    assert.equal(other.status, 200, "the API's other resource identifier is the same API");

    /** Entra's refusal: its error, the AADSTS code first in the description, codes, time and ids. */
    const refused = async (res: Response, status: number, error: string, code: number, text: RegExp) => {
      assert.equal(res.status, status);
      const b = (await res.json()) as Json;
      assert.equal(b.error, error);
      assert.match(b.error_description, new RegExp(`^AADSTS${code}: `));
      assert.match(b.error_description, text);
      assert.match(
        b.error_description,
        /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: /,
      );
      assert.deepEqual(b.error_codes, [code]);
      assert.match(b.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
      assert.match(b.trace_id, /^[0-9a-f-]{36}$/);
      assert.match(b.correlation_id, /^[0-9a-f-]{36}$/);
    };
    const json = await fetch(`${sim.url}/${tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(base),
    });
    await refused(json, 400, "invalid_request", 900144, /must contain the following parameter: 'grant_type'/);
    await refused(
      await token({ ...base, scope: "https://eu.api.security.microsoft.com/.default" }),
      400,
      "invalid_resource",
      500011,
      /resource principal named https:\/\/eu\.api\.security\.microsoft\.com was not found/,
    );
    await refused(
      await token({ ...base, scope: `${sim.url}/.default` }),
      400,
      "invalid_resource",
      500011,
      /was not found in the tenant/,
    );
    await refused(
      await token({ ...base, scope: "https://api.securitycenter.microsoft.com/Alert.Read.All" }),
      400,
      "invalid_scope",
      1002012,
      /must have a scope value with \/\.default suffixed/,
    );
    await refused(
      await token({ ...base, client_secret: "nope" }),
      401,
      "invalid_client",
      7000215,
      /Invalid client secret/,
    );
    await refused(
      await token(base, "11111111-1111-4111-8111-111111111111"),
      400,
      "invalid_request",
      90002,
      /Tenant '11111111-1111-4111-8111-111111111111' not found/,
    );
    const wrongGrant = await token({ ...base, grant_type: "password" });
    assert.equal(((await wrongGrant.json()) as Json).error, "unsupported_grant_type");
  });

  test("the scope is the API's resource, whatever host serves the API; a connection may choose it", async () => {
    const audiences = async () =>
      (await simState<SimState>(sim)).tokens.map(
        (t) => JSON.parse(Buffer.from(t.token.split(".")[1]!, "base64url").toString()).aud as string,
      );
    // Another name for the same server stands in for a geographic host or a proxy in front of the API.
    const proxied = sim.url.replace("127.0.0.1", "localhost");
    assert.notEqual(proxied, sim.url);
    const viaProxy = createClient(msDefender, { ...sim.config, api_url: proxied }, { resilience: fast });
    assert.equal((await viaProxy.call<Page>("listAlerts", { top: 1 })).status, 200);
    await viaProxy.close();
    assert.deepEqual(await audiences(), ["https://api.securitycenter.microsoft.com"]);

    const chosen = createClient(
      msDefender,
      { ...sim.config, scope: "https://api.security.microsoft.com/.default" },
      { resilience: fast },
    );
    await chosen.call("listAlerts", { top: 1 });
    await chosen.close();
    assert.deepEqual((await audiences()).slice(1), ["https://api.security.microsoft.com"]);

    const geo = createClient(
      msDefender,
      { ...sim.config, scope: "https://eu.api.security.microsoft.com/.default" },
      { resilience: fast },
    );
    await rejectsWith(geo.call("listAlerts", { top: 1 }), "AuthError", /invalid_resource/);
    await geo.close();
    assert.throws(
      () => createClient(msDefender, { ...sim.config, scope: "https://api.securitycenter.microsoft.com" }),
      (error: Error & { field?: string }) => error.field === "scope",
    );
  });

  test("the API's own errors: 401 without a token, 400 for bad OData, both with and without /api", async () => {
    const unauth = await fetch(`${sim.url}/api/alerts`);
    assert.equal(unauth.status, 401);
    const body = (await unauth.json()) as Json;
    assert.equal(body.error.code, "Unauthorized");
    assert.equal(typeof body.error.target, "string");

    await client.call("listAlerts", { top: 1 });
    const { tokens } = await simState<SimState>(sim);
    const headers = { authorization: `Bearer ${tokens[0]!.token}` };
    const tooMany = await fetch(`${sim.url}/api/alerts?$top=20000`, { headers });
    assert.equal(tooMany.status, 400);
    assert.match(((await tooMany.json()) as Json).error.message, /limit of '10000'/);
    const badFilter = await fetch(`${sim.url}/api/alerts?$filter=${encodeURIComponent("colour eq 'red'")}`, {
      headers,
    });
    assert.equal(badFilter.status, 400);
    assert.equal(((await badFilter.json()) as Json).error.code, "InvalidRequestBody");
    const badPatch = await fetch(`${sim.url}/api/alerts/${(await simState<SimState>(sim)).alerts[0]!.id}`, {
      method: "PATCH",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ status: "Closed" }),
    });
    assert.equal(badPatch.status, 400);
    assert.equal(((await badPatch.json()) as Json).error.code, "InvalidRequestBody");
    const noApi = await fetch(`${sim.url}/alerts?$top=2`, { headers });
    assert.equal(noApi.status, 200);
    assert.equal(((await noApi.json()) as Page).value.length, 2);
  });
});

describe("ms-defender quota (100 calls a minute per app, here 3)", () => {
  // Half past the minute: the window resets in 30 s.
  let clock = START + 30_000;
  let sim: Simulator;
  before(async () => {
    sim = await startDefenderSimulator({ seed: 2, alerts: 10, quotaPerMinute: 3, now: () => clock });
  });
  after(async () => {
    await sim.close();
  });

  test("over quota: 429 with Retry-After until the minute turns", async () => {
    // Retry-After is longer than this client waits, so the 429 surfaces with its delay.
    const client = createClient(msDefender, sim.config, {
      resilience: { ...fast, maxRetryAfterMs: 1000 },
    });
    try {
      for (let i = 0; i < 3; i++) await client.call("listAlerts", { top: 1 });
      const error = await rejectsWith(
        client.call("listAlerts", { top: 1 }),
        "RateLimitedError",
        /quota exceeded/,
      );
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, 30_000);
      const raw = await client.call<Json>("listAlerts", { top: 1 }, { throwOnHttpError: false });
      assert.equal(raw.status, 429);
      assert.equal(raw.output.error.code, "TooManyRequests");
      clock += 30_000;
      assert.equal((await client.call("listAlerts", { top: 1 })).status, 200);
    } finally {
      await client.close();
    }
  });
});

describe("ms-defender under injected faults", () => {
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startDefenderSimulator({ seed: 5, alerts: 20 });
  });
  beforeEach(async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    client = createClient(msDefender, sim.config, { resilience: fast });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const path = "/api/alerts";

  test("429 with Retry-After is retried after the vendor's delay", async () => {
    sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 1 }, path });
    const res = await client.call<Page>("listAlerts", { top: 2 });
    assert.equal(res.status, 200);
    assert.equal(res.attempts, 2);
  });

  test("a Retry-After longer than the client will sleep surfaces as RateLimitedError carrying it", async () => {
    sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 120 }, path, times: 0 });
    const error = await rejectsWith(client.call("listAlerts"), "RateLimitedError");
    assert.equal(error.retryAfterMs, 120_000);
    assert.equal(error.status, 429);
    const res = await client.call("listAlerts", {}, { throwOnHttpError: false });
    assert.equal(res.attempts, 1, "not retried");
  });

  test("503 is retried until it passes", async () => {
    sim.faults.inject({ fault: { kind: "status", status: 503 }, path, times: 2 });
    const res = await client.call<Page>("listAlerts", { top: 1 });
    assert.equal(res.status, 200);
    assert.equal(res.attempts, 3);
  });

  test("400 is not retried", async () => {
    sim.faults.inject({ fault: { kind: "status", status: 400, message: "Invalid request" }, path, times: 0 });
    const res = await client.call<Json>("listAlerts", {}, { throwOnHttpError: false });
    assert.equal(res.status, 400);
    assert.equal(res.attempts, 1);
    assert.equal(res.output.error.code, "BadRequest");
    await rejectsWith(client.call("listAlerts"), "ValidationError", /HTTP 400/);
  });

  test("malformed JSON is an UpstreamError", async () => {
    sim.faults.inject({ fault: { kind: "malformed" }, path });
    await rejectsWith(client.call("listAlerts"), "UpstreamError", /malformed JSON/);
  });

  test("a hanging API is a TimeoutError after timeout_ms", async () => {
    const short = createClient(msDefender, { ...sim.config, timeout_ms: 300, max_attempts: 1 });
    try {
      await short.call("listAlerts", { top: 1 }); // token first, so only the API call hangs
      sim.faults.inject({ fault: { kind: "hang" }, path, times: 0 });
      await rejectsWith(short.call("listAlerts", { top: 1 }), "TimeoutError", /300 ms/);
    } finally {
      sim.faults.clear();
      await short.close();
    }
  });

  test("a reset connection is retried", async () => {
    sim.faults.inject({ fault: { kind: "reset" }, path });
    const res = await client.call("listAlerts", { top: 1 });
    assert.equal(res.status, 200);
    assert.equal(res.attempts, 2);
  });

  test("latency slows a call down but it still succeeds", async () => {
    sim.faults.inject({ fault: { kind: "latency", ms: 50 }, path });
    const res = await client.call<Page>("listAlerts", { top: 1 });
    assert.equal(res.output.value.length, 1);
  });

  test("a 5xx from the token endpoint fails the call as AuthError", async () => {
    sim.faults.inject({ fault: { kind: "status", status: 503 }, path: "/oauth2/v2.0/token" });
    const error = await rejectsWith(client.call("listAlerts"), "AuthError");
    assert.equal(error.status, 503);
  });
});

describe("ms-defender input is checked before any request", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  const id = "da637472900382838869_1364969609";

  before(async () => {
    sim = await startDefenderSimulator({ seed: 3, alerts: 5 });
    client = createClient(msDefender, sim.config);
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const cases: Array<[string, unknown, string]> = [
    ["listAlerts", { top: 0 }, "top"],
    ["listAlerts", { top: 10_001 }, "top"],
    ["listAlerts", { skip: -1 }, "skip"],
    ["listAlerts", { status: "Closed" }, "status"],
    ["listAlerts", { severity: "Critical" }, "severity"],
    ["listAlerts", { updatedSince: "yesterday" }, "updatedSince"],
    ["listAlerts", { createdSince: "2024-13-01" }, "createdSince"],
    ["listAlerts", { filter: "status eq 'New" }, "filter"],
    ["listAlerts", { filter: "colour eq 'red'" }, "filter"],
    ["listAlerts", { filter: "severity eq 'Severe'" }, "filter"],
    ["listAlerts", { filter: "lastUpdateTime ge yesterday" }, "filter"],
    ["listAlerts", { expandEvidence: "yes" }, "expandEvidence"],
    ["listAlerts", { $top: 5 }, "$top"],
    ["getAlert", {}, "id"],
    ["getAlert", { id: "../machines" }, "id"],
    ["getAlertIps", { id: "" }, "id"],
    ["getAlertIps", { id: 42 }, "id"],
    ["getAlertDomains", { id: "a b" }, "id"],
    ["getAlertFiles", {}, "id"],
    ["getAlertUser", { id, extra: true }, "extra"],
    ["getAlertMachine", { id: "x".repeat(200) }, "id"],
    ["updateAlert", { id }, "status"],
    ["updateAlert", { status: "Resolved" }, "id"],
    ["updateAlert", { id, status: "Closed" }, "status"],
    ["updateAlert", { id, classification: "Malicious" }, "classification"],
    ["updateAlert", { id, determination: "Apt" }, "determination"],
    ["updateAlert", { id, assignedTo: "" }, "assignedTo"],
    ["updateAlert", { id, comment: 7 }, "comment"],
  ];
  testBadInput(msDefender, cases, () => ({ sim, client }));

  test("nothing reached the simulator", async () => {
    const s = (await (await fetch(`${sim.url}/__sim/state`)).json()) as SimState;
    assert.equal(s.tokenRequests.total, 0);
  });
});

describe("ms-defender keeps its secrets", () => {
  test("client_secret and access tokens never reach logs, errors or outputs", async () => {
    const sim = await startDefenderSimulator({ seed: 9, alerts: 8 });
    const lines: string[] = [];
    const collect = (level: string) => (message: string, fields?: Record<string, unknown>) =>
      lines.push(JSON.stringify({ level, message, ...fields }));
    const logger: Logger = {
      debug: collect("debug"),
      info: collect("info"),
      warn: collect("warn"),
      error: collect("error"),
    };
    const client = createClient(msDefender, sim.config, { logger, resilience: fast });
    const seen: unknown[] = [];
    try {
      const list = await client.call<Page>("listAlerts", { top: 3, expandEvidence: true });
      seen.push(list);
      const id = list.output.value[0]!.id;
      seen.push(await client.call("getAlertIps", { id }));
      seen.push(await client.call("getAlert", { id: "da638000000000000000_1" }, { throwOnHttpError: false }));
      seen.push(await client.call("updateAlert", { id, comment: "checked" }));
      sim.faults.inject({ fault: { kind: "expire-tokens" } });
      seen.push(await client.call("getAlertMachine", { id }));
      sim.faults.inject({ fault: { kind: "status", status: 500, message: "boom" }, path: "/api/alerts" });
      seen.push((await rejectsWith(client.call("getAlert", { id }), "UpstreamError")).toJSON());
      const bad = createClient(
        msDefender,
        { ...sim.config, client_secret: "Leak8Q~thisMustNeverBeShown000" },
        { logger },
      );
      const refused = await rejectsWith(bad.call("listAlerts"), "AuthError");
      seen.push(refused.toJSON(), refused.message, String(refused.stack));
      await bad.close();

      const s = (await (await fetch(`${sim.url}/__sim/state`)).json()) as SimState;
      const secrets = [
        String(sim.config.client_secret),
        "Leak8Q~thisMustNeverBeShown000",
        ...s.tokens.map((t) => t.token),
      ];
      assert.equal(s.tokens.length, 2, "two tokens were issued and both must stay hidden");
      assert.ok(lines.length > 5, "the client logged its requests");
      const everything = JSON.stringify(seen) + lines.join("\n");
      for (const secret of secrets) {
        assert.ok(!everything.includes(secret), "a secret leaked");
        assert.ok(!everything.includes(encodeURIComponent(secret)), "an encoded secret leaked");
      }
    } finally {
      await client.close();
      await sim.close();
    }
  });
});
