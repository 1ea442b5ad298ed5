import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ConnectorClient, createClient, type Logger, type RampartError } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { rejectsWith, simState, testBadInput } from "../sdk/sim/testing.ts";
import { leen } from "./connector.ts";
import { startLeenSimulator } from "./simulator.ts";

interface Alert {
  severity: string;
  severity_id: number;
  activity_id: number;
  type_uid: number;
  class_uid: number;
  finding_info: { uid: string; title: string; modified_time: number };
  metadata: { modified_time: number; product: { name: string } };
  evidences: Array<{ src_endpoint: { ip: string } }>;
}
interface Page<T = Alert> {
  count: number;
  items: T[];
  total?: number | null;
  next_cursor?: string | null;
  previous_cursor?: string | null;
}
interface SimState {
  accounts: Array<{ name: string; api_key: string }>;
  connections: Array<{ id: string; account: string; idp: string; alerts: number; groups: number }>;
  alerts: Array<{
    uid: string;
    connection_id: string;
    severity: string;
    severity_id: number;
    modified_time: number;
  }>;
}

/** Lowest to highest criticality, as Leen's severity sort orders them. */
const RANK = ["UNKNOWN", "OTHER", "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "FATAL"];
const fast = { initialDelayMs: 5, maxDelayMs: 20 };

async function simPost(sim: Simulator, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return res.json();
}

async function collect<T>(iterable: AsyncIterable<unknown>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item as T);
  return out;
}

const uids = (items: Alert[]) => items.map((a) => a.finding_info.uid);

describe("leen against its simulator", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  let mine: SimState["alerts"];

  before(async () => {
    sim = await startLeenSimulator({ seed: 11 });
  });
  beforeEach(async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    client = createClient(leen, sim.config, { resilience: fast });
    mine = (await simState<SimState>(sim)).alerts.filter((a) => a.connection_id === sim.config.connection_id);
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  test("one offset page: count, total and OCSF Detection Findings", async () => {
    const { output, status } = await client.call<Page>("listIdpAlerts", { limit: 10 });
    assert.equal(status, 200);
    assert.equal(output.count, 10);
    assert.equal(output.total, mine.length);
    assert.equal("next_cursor" in output, false);
    for (const alert of output.items) {
      assert.equal(alert.class_uid, 2004);
      assert.equal(alert.type_uid, 2004 * 100 + alert.activity_id);
      assert.ok(alert.finding_info.title.length > 0);
      assert.equal(alert.metadata.product.name, "Okta");
    }
  });

  test("offset paging streams every alert of the connection exactly once", async () => {
    const pages = await collect<Page>(client.pages("listIdpAlerts", { limit: 25 }));
    assert.equal(pages.length, Math.ceil(mine.length / 25));
    for (const page of pages) assert.equal(page.total, mine.length);
    const seen = uids(pages.flatMap((p) => p.items));
    assert.equal(seen.length, mine.length);
    assert.deepEqual(new Set(seen), new Set(mine.map((a) => a.uid)));
  });

  test("cursor paging streams every alert exactly once, and previous_cursor goes back", async () => {
    const pages = await collect<Page>(client.pages("listIdpAlerts", { enableCursor: true, limit: 25 }));
    assert.equal(pages.length, Math.ceil(mine.length / 25));
    assert.equal(pages[0]!.previous_cursor, null);
    assert.equal(pages.at(-1)!.next_cursor, null);
    for (const page of pages) assert.equal("total" in page, false);
    const seen = uids(pages.flatMap((p) => p.items));
    assert.equal(seen.length, mine.length);
    assert.deepEqual(new Set(seen), new Set(mine.map((a) => a.uid)));

    const back = await client.call<Page>("listIdpAlerts", {
      enableCursor: true,
      limit: 25,
      cursor: pages[1]!.previous_cursor!,
    });
    assert.deepEqual(uids(back.output.items), uids(pages[0]!.items));
  });

  test("sort: ascending criticality by default, severity:desc reverses, in both paging modes", async () => {
    const ranks = (items: Alert[]) => items.map((a) => RANK.indexOf(a.severity));
    const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x);
    const byDefault = await collect<Alert>(client.items("listIdpAlerts", { limit: 40 }));
    assert.ok(ascending(ranks(byDefault)), "default order is not ascending");
    assert.ok(new Set(ranks(byDefault)).size >= 5, "expected many severities in the data");
    const explicit = await collect<Alert>(client.items("listIdpAlerts", { sort: "severity", limit: 40 }));
    assert.deepEqual(uids(explicit), uids(byDefault));
    const desc = await collect<Alert>(
      client.items("listIdpAlerts", { sort: "severity:desc", enableCursor: true, limit: 17 }),
    );
    assert.equal(desc.length, mine.length);
    assert.ok(ascending(ranks(desc).reverse()), "severity:desc is not descending");
    assert.ok(RANK.indexOf(desc[0]!.severity) > RANK.indexOf(byDefault[0]!.severity));
  });

  test("severity filter is comma separated and matches the simulator's own count", async () => {
    const wanted = mine.filter((a) => a.severity === "HIGH" || a.severity === "CRITICAL");
    assert.ok(wanted.length > 0 && wanted.length < mine.length);
    const page = (await client.call<Page>("listIdpAlerts", { severity: "HIGH,CRITICAL", limit: 500 })).output;
    assert.equal(page.total, wanted.length);
    assert.deepEqual(new Set(page.items.map((a) => a.severity)), new Set(["HIGH", "CRITICAL"]));
    assert.deepEqual(new Set(uids(page.items)), new Set(wanted.map((a) => a.uid)));
  });

  test("excludeTotal makes total null", async () => {
    const page = (await client.call<Page>("listIdpAlerts", { excludeTotal: true, limit: 5 })).output;
    assert.equal(page.total, null);
    assert.equal(page.count, 5);
  });

  test("updatedSince returns only what changed; a cursor poll sends it on the first page only", async () => {
    const since = new Date(Math.max(...mine.map((a) => a.modified_time)) + 1).toISOString();
    const quiet = await client.call<Page>("listIdpAlerts", { updatedSince: since });
    assert.equal(quiet.output.total, 0);

    const [closed, rescored] = [mine[3]!, mine[40]!];
    await simPost(sim, "/__sim/alerts/update", { uid: closed.uid, activity: "close" });
    const newSeverity = rescored.severity === "FATAL" ? "LOW" : "FATAL";
    await simPost(sim, "/__sim/alerts/update", { uid: rescored.uid, severity: newSeverity });

    const changed = (await client.call<Page>("listIdpAlerts", { updatedSince: since })).output;
    assert.deepEqual(new Set(uids(changed.items)), new Set([closed.uid, rescored.uid]));
    const byUid = new Map(changed.items.map((a) => [a.finding_info.uid, a]));
    assert.equal(byUid.get(closed.uid)!.activity_id, 3);
    assert.equal(byUid.get(closed.uid)!.type_uid, 200403);
    assert.equal(byUid.get(rescored.uid)!.severity, newSeverity);
    assert.equal(byUid.get(rescored.uid)!.activity_id, 2);

    // One item per page: the second request carries only the cursor, or Leen would answer 422.
    const pages = await collect<Page>(
      client.pages("listIdpAlerts", { enableCursor: true, limit: 1, updatedSince: since }),
    );
    assert.equal(pages.length, 2);
    assert.deepEqual(new Set(uids(pages.flatMap((p) => p.items))), new Set([closed.uid, rescored.uid]));
  });

  test("the vendor refuses updatedSince with a cursor (422 → ValidationError naming the field)", async () => {
    const first = (await client.call<Page>("listIdpAlerts", { enableCursor: true, limit: 5 })).output;
    const raw = await fetch(
      `${sim.config.url}/idp/alerts?enableCursor=true&cursor=${first.next_cursor}&updatedSince=2024-01-01T00:00:00Z`,
      {
        headers: {
          "x-api-key": String(sim.config.api_key),
          "x-connection-id": String(sim.config.connection_id),
        },
      },
    );
    assert.equal(raw.status, 422);
    assert.match(JSON.stringify(await raw.json()), /updatedSince/);
    await rejectsWith(
      client.call("listIdpAlerts", { enableCursor: true, cursor: "bm90LWEtY3Vyc29y" }),
      "ValidationError",
      /cursor: Value error, invalid cursor/,
    );
  });

  test("/__sim/generate adds alerts that later reads return", async () => {
    const before = (await client.call<Page>("listIdpAlerts", { limit: 1 })).output.total!;
    const generated = (await simPost(sim, "/__sim/generate", { count: 8 })) as {
      generated: Array<{ uid: string; connection_id: string }>;
    };
    const ours = generated.generated.filter((a) => a.connection_id === sim.config.connection_id);
    assert.equal(ours.length, 2);
    const afterwards = (await client.call<Page>("listIdpAlerts", { limit: 1 })).output.total!;
    assert.equal(afterwards, before + ours.length);
    const all = uids(await collect<Alert>(client.items("listIdpAlerts", { enableCursor: true })));
    for (const a of ours) assert.ok(all.includes(a.uid));
  });

  test("each connection sees only its own alerts", async () => {
    const snapshot = await simState<SimState>(sim);
    const home = snapshot.connections.find((c) => c.id === sim.config.connection_id)!;
    const sibling = snapshot.connections.find((c) => c.account === home.account && c.id !== home.id)!;
    const other = createClient(leen, { ...sim.config, connection_id: sibling.id }, { resilience: fast });
    try {
      const theirs = uids(await collect<Alert>(other.items("listIdpAlerts", { limit: 50 })));
      const expected = snapshot.alerts.filter((a) => a.connection_id === sibling.id).map((a) => a.uid);
      assert.equal(theirs.length, sibling.alerts);
      assert.deepEqual(new Set(theirs), new Set(expected));
      const ours = new Set(mine.map((a) => a.uid));
      assert.ok(theirs.every((uid) => !ours.has(uid)));
    } finally {
      await other.close();
    }
  });

  test("IDP groups and applications list in both paging modes", async () => {
    const home = (await simState<SimState>(sim)).connections.find((c) => c.id === sim.config.connection_id)!;
    const groups = await collect<{ id: string; name: string }>(client.items("listIdpGroups", { limit: 2 }));
    assert.equal(groups.length, home.groups);
    const cursorGroups = await collect<{ id: string }>(
      client.items("listIdpGroups", { enableCursor: true, limit: 4 }),
    );
    assert.deepEqual(
      cursorGroups.map((g) => g.id),
      groups.map((g) => g.id),
    );
    const apps = (await client.call<Page<{ id: string; last_updated_at: string }>>("listIdpApplications"))
      .output;
    assert.ok(apps.count > 0);
    assert.equal(apps.total, apps.count);
    const newest = apps.items
      .map((a) => a.last_updated_at)
      .sort()
      .at(-1)!;
    const recent = (await client.call<Page>("listIdpApplications", { updatedSince: newest })).output;
    assert.ok(recent.count >= 1 && recent.count < apps.count);
  });
});

describe("leen auth", () => {
  let sim: Simulator;
  before(async () => {
    sim = await startLeenSimulator({ seed: 5 });
  });
  after(async () => {
    await sim.close();
  });

  const raw = (headers: Record<string, string>) => fetch(`${sim.config.url}/idp/alerts?limit=1`, { headers });

  test("both headers are required: a missing one is 401 Not authenticated", async () => {
    const key = String(sim.config.api_key);
    const connection = String(sim.config.connection_id);
    const partial: Array<Record<string, string>> = [
      { "x-connection-id": connection },
      { "x-api-key": key },
      {},
    ];
    for (const headers of partial) {
      const res = await raw(headers);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { detail: "Not authenticated" });
    }
    const ok = await raw({ "x-api-key": key, "x-connection-id": connection });
    assert.equal(ok.status, 200);
  });

  test("the base URL defaults to Leen's production API, /v1 included", () => {
    assert.equal(leen.baseUrl({}), "https://api.leen.dev/v1");
    assert.equal(leen.baseUrl({ url: sim.config.url }), sim.config.url);
  });

  test("a config without api_key or connection_id is refused before any request", () => {
    assert.throws(
      () => createClient(leen, { connection_id: sim.config.connection_id }),
      (e: RampartError) => e.type === "ValidationError" && e.field === "api_key",
    );
    assert.throws(
      () => createClient(leen, { api_key: sim.config.api_key }),
      (e: RampartError) => e.type === "ValidationError" && e.field === "connection_id",
    );
  });

  test("a wrong key is an AuthError (401) that does not echo the key", async () => {
    const wrong = "leen_WrongKeyWrongKeyWrongKey0123456789abcd";
    const bad = createClient(leen, { ...sim.config, api_key: wrong }, { resilience: fast });
    try {
      const error = await rejectsWith(bad.call("listIdpAlerts"), "AuthError", /Invalid API key/);
      assert.equal(error.status, 401);
      assert.doesNotMatch(JSON.stringify(error), new RegExp(wrong));
      assert.doesNotMatch(error.message, new RegExp(wrong));
    } finally {
      await bad.close();
    }
  });

  test("a connection of another account, or an unknown one, is an AuthError (403)", async () => {
    const snapshot = await simState<SimState>(sim);
    const home = snapshot.connections.find((c) => c.id === sim.config.connection_id)!;
    const foreign = snapshot.connections.find((c) => c.account !== home.account)!;
    for (const connection_id of [foreign.id, "3c90c3cc-0d44-4b50-8888-8dd25736052a"]) {
      const client = createClient(leen, { ...sim.config, connection_id }, { resilience: fast });
      try {
        const error = await rejectsWith(client.call("listIdpAlerts"), "AuthError", /not accessible/);
        assert.equal(error.status, 403);
      } finally {
        await client.close();
      }
    }
    // The foreign account's own key does reach it.
    const theirKey = snapshot.accounts.find((a) => a.name === foreign.account)!.api_key;
    const theirs = createClient(leen, { ...sim.config, api_key: theirKey, connection_id: foreign.id });
    try {
      const page = (await theirs.call<Page>("listIdpAlerts", { limit: 1 })).output;
      assert.equal(page.total, foreign.alerts);
    } finally {
      await theirs.close();
    }
  });
});

describe("leen faults and how the SDK answers them", () => {
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startLeenSimulator({ seed: 3 });
    client = createClient(leen, sim.config, { resilience: fast });
  });
  beforeEach(() => {
    sim.faults.clear();
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  test("429 with Retry-After is retried after the vendor's delay", async () => {
    sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 1 }, path: "/idp/alerts" });
    const result = await client.call<Page>("listIdpAlerts", { limit: 2 });
    assert.equal(result.status, 200);
    assert.equal(result.attempts, 2);
    assert.equal(result.output.count, 2);
  });

  test("a 429 asking for longer than the SDK will wait surfaces as RateLimitedError", async () => {
    const patient = createClient(leen, sim.config, { resilience: { ...fast, maxRetryAfterMs: 500 } });
    try {
      sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 120 } });
      const error = await rejectsWith(patient.call("listIdpAlerts"), "RateLimitedError");
      assert.equal(error.retryAfterMs, 120_000);
      assert.equal(error.status, 429);
    } finally {
      await patient.close();
    }
  });

  test("503 is retried", async () => {
    sim.faults.inject({ fault: { kind: "status", status: 503 }, times: 2 });
    const result = await client.call("listIdpAlerts", { limit: 1 });
    assert.equal(result.status, 200);
    assert.equal(result.attempts, 3);
  });

  test("400 is not retried: one failure is the answer", async () => {
    sim.faults.inject({ fault: { kind: "status", status: 400, message: "bad request" } });
    const error = await rejectsWith(client.call("listIdpAlerts"), "ValidationError", /bad request/);
    assert.equal(error.status, 400);
    // Had the SDK retried, the fault (used once) would be gone and the call would have succeeded.
    assert.equal((await client.call<Page>("listIdpAlerts", { limit: 1 })).output.count, 1);
  });

  test("malformed JSON is an UpstreamError", async () => {
    sim.faults.inject({ fault: { kind: "malformed" } });
    await rejectsWith(client.call("listIdpAlerts"), "UpstreamError", /malformed JSON/);
  });

  test("a hanging vendor is a TimeoutError once timeout_ms passes", async () => {
    const impatient = createClient(leen, { ...sim.config, timeout_ms: 300, max_attempts: 1 });
    try {
      sim.faults.inject({ fault: { kind: "hang" } });
      await rejectsWith(impatient.call("listIdpAlerts"), "TimeoutError");
    } finally {
      await impatient.close();
    }
  });

  test("a reset connection is retried, and a ConnectionError when attempts run out", async () => {
    sim.faults.inject({ fault: { kind: "reset" } });
    const retried = await client.call("listIdpAlerts", { limit: 1 });
    assert.equal(retried.attempts, 2);
    const once = createClient(leen, { ...sim.config, max_attempts: 1 });
    try {
      sim.faults.inject({ fault: { kind: "reset" } });
      await rejectsWith(once.call("listIdpAlerts"), "ConnectionError");
    } finally {
      await once.close();
    }
  });

  test("latency only slows the reply", async () => {
    sim.faults.inject({ fault: { kind: "latency", ms: 50 } });
    assert.equal((await client.call<Page>("listIdpAlerts", { limit: 3 })).output.count, 3);
  });

  test("a fault in the middle of cursor paging is retried and no page is lost or repeated", async () => {
    const total = (await client.call<Page>("listIdpAlerts", { limit: 1 })).output.total!;
    let page = 0;
    const seen: string[] = [];
    for await (const p of client.pages("listIdpAlerts", { enableCursor: true, limit: 20 })) {
      if (++page === 2) sim.faults.inject({ fault: { kind: "status", status: 502 } });
      seen.push(...uids((p as Page).items));
    }
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total);
  });
});

describe("leen input is checked before any request", () => {
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startLeenSimulator({ seed: 2 });
    client = createClient(leen, sim.config);
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["listIdpAlerts", { sort: "severity:up" }, "sort"],
    ["listIdpAlerts", { sort: "time:desc" }, "sort"],
    ["listIdpAlerts", { limit: 0 }, "limit"],
    ["listIdpAlerts", { limit: "10" }, "limit"],
    ["listIdpAlerts", { offset: -1 }, "offset"],
    ["listIdpAlerts", { enableCursor: "yes" }, "enableCursor"],
    ["listIdpAlerts", { excludeTotal: 1 }, "excludeTotal"],
    ["listIdpAlerts", { updatedSince: "yesterday" }, "updatedSince"],
    ["listIdpAlerts", { updatedSince: "2024-01-01T00:00:00" }, "updatedSince"],
    ["listIdpAlerts", { severity: "HIGH,URGENT" }, "severity"],
    ["listIdpAlerts", { severity: "HIGH, LOW" }, "severity"],
    ["listIdpAlerts", { severity: "" }, "severity"],
    ["listIdpAlerts", { cursor: "eyJrIjpbXX0" }, "cursor"],
    ["listIdpAlerts", { enableCursor: true, cursor: "" }, "cursor"],
    [
      "listIdpAlerts",
      { enableCursor: true, cursor: "eyJrIjpbXX0", updatedSince: "2024-01-01T00:00:00Z" },
      "updatedSince",
    ],
    ["listIdpAlerts", { enableCursor: true, offset: 10 }, "offset"],
    ["listIdpAlerts", { colour: "red" }, "colour"],
    ["listIdpGroups", { limit: 1.5 }, "limit"],
    ["listIdpGroups", { sort: "severity:asc" }, "sort"],
    ["listIdpApplications", { updatedSince: "2024-13-01T00:00:00Z" }, "updatedSince"],
    ["listIdpApplications", { cursor: "abc" }, "cursor"],
  ];
  testBadInput(leen, cases, () => ({ sim, client }), { everyOperation: false });

  test("paging helpers check input too", async () => {
    sim.faults.inject({ fault: { kind: "status", status: 500 }, times: 0 });
    try {
      const error = await rejectsWith(
        collect(client.items("listIdpAlerts", { limit: -5 })),
        "ValidationError",
      );
      assert.equal(error.field, "limit");
    } finally {
      sim.faults.clear();
    }
  });

  test("every operation has a bad-input case", () => {
    const covered = new Set(cases.map(([op]) => op));
    for (const op of leen.operations) assert.ok(covered.has(op.name), `${op.name} has no bad-input case`);
  });
});

describe("leen keeps the API key secret", () => {
  test("the key appears in no error, log line or output, even when the vendor echoes it", async () => {
    const sim = await startLeenSimulator({ seed: 9 });
    const lines: string[] = [];
    const record =
      (level: string) =>
      (message: string, fields?: Record<string, unknown>): void => {
        lines.push(JSON.stringify({ level, message, ...fields }));
      };
    const logger: Logger = {
      debug: record("debug"),
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
    };
    const key = String(sim.config.api_key);
    const client = createClient(leen, sim.config, { logger, resilience: fast });
    const seen: string[] = [];
    try {
      seen.push(JSON.stringify((await client.call("listIdpAlerts", { limit: 3 })).output));
      seen.push(
        JSON.stringify(await collect(client.pages("listIdpAlerts", { enableCursor: true, limit: 50 }))),
      );
      // A vendor that puts the key in its error body (as some proxies do).
      sim.faults.inject({ fault: { kind: "status", status: 500, message: `bad key ${key}` } });
      const error = await rejectsWith(client.call("listIdpAlerts"), "UpstreamError", /bad key/);
      seen.push(JSON.stringify(error), error.message, String(error.stack));
      sim.faults.inject({ fault: { kind: "status", status: 500, message: `bad key ${key}` } });
      const returned = await client.call("listIdpAlerts", {}, { throwOnHttpError: false });
      assert.equal(returned.ok, false);
      seen.push(JSON.stringify(returned));
      const wrong = createClient(leen, { ...sim.config, connection_id: "nope" }, { logger });
      seen.push(JSON.stringify(await rejectsWith(wrong.call("listIdpAlerts"), "AuthError")));
      await wrong.close();
    } finally {
      await client.close();
      await sim.close();
    }
    assert.ok(lines.length >= 5, "expected the SDK to log its requests");
    for (const text of [...seen, ...lines]) {
      assert.ok(!text.includes(key), `the API key leaked: ${text.slice(0, 200)}`);
    }
  });
});
