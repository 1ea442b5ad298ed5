import assert from "node:assert/strict";
import { isIP } from "node:net";
import { after, before, describe, test } from "node:test";
import { createOcsfValidator, loadOcsfBundle } from "../../ocsf/index.ts";
import { testReferenceValidatorAgrees } from "../../ocsf/testing.ts";
import { createClient } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { leen } from "./connector.ts";
import { ENUM_CAPTIONS, epochMs, normalizeLeenAlert } from "./normalize.ts";
import { SEVERITIES } from "./schemas.ts";
import { startLeenSimulator } from "./simulator.ts";

type Json = Record<string, any>;

/** The independent validator the project owners keep beside the repository; optional. */
/** OCSF's own captions of Leen's upper-case severities. */
const TITLE: Record<string, string> = {
  UNKNOWN: "Unknown",
  INFORMATIONAL: "Informational",
  LOW: "Low",
  MEDIUM: "Medium",
  HIGH: "High",
  CRITICAL: "Critical",
  FATAL: "Fatal",
  OTHER: "Other",
};
/** Leen's lifecycle (activity_id) → Detection Finding status, as normalize.ts documents it. */
const STATUS_OF_ACTIVITY: Record<number, [number, string]> = {
  0: [0, "Unknown"],
  1: [1, "New"],
  2: [2, "In Progress"],
  3: [4, "Resolved"],
  99: [0, "Unknown"],
};
/** OCSF reputation captions of Leen's upper-case ones. */
const REPUTATION: Record<string, string> = {
  UNKNOWN: "Unknown",
  SAFE: "Safe",
  MAY_NOT_BE_SAFE: "May not be Safe",
  EXERCISE_CAUTION: "Exercise Caution",
  SUSPICIOUS_RISKY: "Suspicious/Risky",
  POSSIBLY_MALICIOUS: "Possibly Malicious",
  PROBABLY_MALICIOUS: "Probably Malicious",
  MALICIOUS: "Malicious",
};

const validator = createOcsfValidator({ strict: true });

function problems(event: unknown): string[] {
  const { errors, warnings } = validator.validate(event);
  return [...errors, ...warnings].map((p) => `${p.path} ${p.code}: ${p.message}`);
}

async function post(sim: Simulator, path: string, body: unknown): Promise<Json> {
  const res = await fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return (await res.json()) as Json;
}

const observable = (event: Json, name: string) =>
  (event.observables as Json[] | undefined)?.find((o) => o.name === name);

describe("Leen IDP alerts as OCSF 1.8.0 Detection Findings", () => {
  let sim: Simulator;
  /** Every alert of every connection the simulator serves, as listIdpAlerts returns it. */
  let raws: Json[];
  let events: Json[];
  /** Those of Leen's own connections (not the one of other products' OCSF findings), and their events. */
  let ownRaws: Json[];
  let ownEvents: Json[];
  let expectedCount: number;

  before(async () => {
    sim = await startLeenSimulator({ seed: 5 });
    // New alerts, and every severity and lifecycle step, so the mapping meets all of them.
    await post(sim, "/__sim/generate", { count: 12 });
    const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as Json;
    const alerts = state.alerts as Json[];
    let i = 0;
    for (const severity of Object.values(SEVERITIES)) {
      await post(sim, "/__sim/alerts/update", { uid: alerts[i++]!.uid, severity });
    }
    await post(sim, "/__sim/alerts/update", { uid: alerts[i++]!.uid, activity: "close" });
    await post(sim, "/__sim/alerts/update", { uid: alerts[i++]!.uid, activity: "update" });
    expectedCount = alerts.length;

    raws = [];
    const foreign = new Set<Json>();
    for (const connection of state.connections as Json[]) {
      const account = (state.accounts as Json[]).find((a) => a.name === connection.account)!;
      const client = createClient(leen, {
        ...sim.config,
        api_key: account.api_key,
        connection_id: connection.id,
      });
      try {
        // Small pages: the listing spans several, as a real tenant's would.
        for await (const alert of client.items("listIdpAlerts", { enableCursor: true, limit: 40 })) {
          raws.push(alert as Json);
          if (connection.foreign) foreign.add(alert as Json);
        }
      } finally {
        await client.close();
      }
    }
    events = raws.map((raw) => normalizeLeenAlert(raw) as Json);
    ownRaws = raws.filter((raw) => !foreign.has(raw));
    ownEvents = events.filter((_, i) => !foreign.has(raws[i]!));
    assert.ok(foreign.size > 0 && ownRaws.length > 250, "both kinds of connection are served");
  });
  after(() => sim.close());

  test("every alert the simulator serves is strictly valid OCSF 1.8.0: no errors, no warnings", () => {
    assert.equal(raws.length, expectedCount);
    assert.ok(raws.length > 250);
    const failures = events.flatMap((event, i) =>
      problems(event).map((p) => `${raws[i]!.finding_info.uid}: ${p}`),
    );
    assert.deepEqual(failures, []);
    for (const event of events) {
      assert.equal(event.class_uid, 2004);
      assert.equal(event.metadata.version, "1.8.0");
    }
  });

  test("the raw alerts themselves are not (Leen's looser OCSF), so the mapping is what makes them valid", () => {
    const raw = problems(raws[0]);
    assert.ok(raw.some((p) => p.includes("metadata.version")));
    assert.ok(raw.some((p) => p.includes("$.cloud attribute_required_missing")));
  });

  test("severity keeps Leen's id with OCSF's caption; status follows Leen's lifecycle", () => {
    const severities = new Set<string>();
    const activities = new Set<number>();
    ownRaws.forEach((raw, i) => {
      const event = ownEvents[i]!;
      assert.equal(event.severity_id, raw.severity_id);
      // Other (99) carries the source's own label.
      assert.equal(event.severity, raw.severity_id === 99 ? raw.severity : TITLE[raw.severity]);
      severities.add(raw.severity);
      assert.equal(event.activity_id, raw.activity_id);
      assert.equal(event.type_uid, 200400 + raw.activity_id);
      const [statusId, status] = STATUS_OF_ACTIVITY[raw.activity_id]!;
      assert.deepEqual([event.status_id, event.status], [statusId, status]);
      activities.add(raw.activity_id);
    });
    assert.deepEqual(severities, new Set(Object.values(SEVERITIES)));
    for (const activity of [1, 2, 3]) assert.ok(activities.has(activity), `activity ${activity} met`);
  });

  test("times are epoch milliseconds, taken from the alert and its finding_info", () => {
    ownRaws.forEach((raw, i) => {
      const event = ownEvents[i]!;
      assert.equal(event.time, raw.time);
      assert.ok(Number.isInteger(event.time) && event.time > 1e12 && event.time < 1e13);
      for (const key of ["created_time", "first_seen_time", "last_seen_time", "modified_time"]) {
        assert.equal(event.finding_info[key], raw.finding_info[key], key);
      }
      assert.ok(event.finding_info.first_seen_time <= event.finding_info.last_seen_time);
      assert.equal(event.metadata.modified_time, raw.metadata.modified_time);
    });
  });

  test("finding_info, product and Leen as the logger", () => {
    ownRaws.forEach((raw, i) => {
      const event = ownEvents[i]!;
      const info = event.finding_info;
      assert.equal(info.uid, raw.finding_info.uid);
      assert.equal(info.title, raw.finding_info.title);
      assert.equal(info.desc, raw.finding_info.desc);
      assert.deepEqual(info.types, raw.finding_info.types);
      assert.equal(info.analytic.uid, raw.finding_info.analytic.uid);
      assert.equal(info.analytic.type_id, raw.finding_info.analytic.type_id);
      assert.equal(info.product.uid, raw.finding_info.product_uid);
      assert.equal(info.product_uid, undefined, "deprecated since 1.4.0");
      assert.equal(event.metadata.product.name, raw.metadata.product.name);
      assert.equal(event.metadata.product.vendor_name, raw.metadata.product.vendor_name);
      assert.deepEqual(event.metadata.loggers, [
        { name: "Leen", product: { name: "Leen", vendor_name: "Leen" } },
      ]);
      assert.ok(event.metadata.labels.includes("leen"));
      assert.equal(event.message, raw.message);
    });
    const vendors = new Set(ownEvents.map((e) => e.metadata.product.name));
    assert.deepEqual(vendors, new Set(["Okta", "Microsoft Entra ID", "Google Workspace"]));
    const learning = ownEvents.find((e) => e.finding_info.analytic.type_id === 4);
    assert.equal(learning?.finding_info.analytic.type, "Learning (ML/DL)");
  });

  test("the user, the device and the source endpoint are OCSF objects, the user and device also at the top", () => {
    ownRaws.forEach((raw, i) => {
      const event = ownEvents[i]!;
      const evidence = raw.evidences[0];
      const user = event.actor.user;
      assert.equal(user.uid, evidence.actor.user.uid);
      assert.equal(user.email_addr, evidence.actor.user.email_addr);
      assert.equal(user.type_id, evidence.actor.user.type_id);
      assert.ok(event.metadata.profiles.includes("host"), "top-level actor needs the host profile");
      assert.equal(event.evidences[0].src_endpoint.ip, evidence.src_endpoint.ip);
      const [long, lat] = evidence.src_endpoint.location.coordinates;
      assert.deepEqual(
        [event.evidences[0].src_endpoint.location.long, event.evidences[0].src_endpoint.location.lat],
        [long, lat],
      );
      assert.equal(event.evidences[0].src_endpoint.location.coordinates, undefined, "deprecated since 1.2.0");
      if (evidence.device) {
        assert.equal(event.device.uid, evidence.device.uid);
        assert.equal(event.device.os.type_id, evidence.device.os.type_id);
      } else {
        assert.equal(event.device, undefined);
      }
      assert.equal(event.evidences[0].http_request.user_agent, evidence.data.user_agent);
    });
  });

  test("every IP, user and email is an observable named by its path in the event", () => {
    const families = new Set<number>();
    ownRaws.forEach((raw, i) => {
      const event = ownEvents[i]!;
      const evidence = raw.evidences[0];
      const ip = observable(event, "evidences[0].src_endpoint.ip");
      assert.ok(ip, `${raw.finding_info.uid}: source IP observable`);
      assert.deepEqual([ip.type_id, ip.type, ip.value], [2, "IP Address", evidence.src_endpoint.ip]);
      families.add(isIP(ip.value));
      const user = evidence.actor.user;
      assert.equal(observable(event, "actor.user.name")?.value, user.name);
      assert.equal(observable(event, "actor.user.name")?.type_id, 4);
      assert.equal(observable(event, "actor.user.email_addr")?.value, user.email_addr);
      assert.equal(observable(event, "actor.user.email_addr")?.type_id, 5);
      assert.equal(observable(event, "actor.user.uid")?.type_id, 31);
      if (evidence.device) assert.equal(observable(event, "device.uid")?.value, evidence.device.uid);
      const values = (event.observables as Json[]).map((o) => `${o.type_id}:${o.value}`);
      assert.equal(new Set(values).size, values.length, "one observable per type and value");
    });
    assert.deepEqual(families, new Set([4, 6]), "both IPv4 and IPv6 source addresses met");
  });

  test("enrichments keep their data, point at the enriched attribute, and lend their reputation to the IP", () => {
    let met = 0;
    ownRaws.forEach((raw, i) => {
      const event = ownEvents[i]!;
      (raw.enrichments as Json[]).forEach((enrichment, k) => {
        const mapped = event.enrichments[k];
        assert.equal(mapped.value, enrichment.value);
        assert.equal(mapped.name, "evidences[0].src_endpoint.ip");
        assert.deepEqual(mapped.data, enrichment.data);
        if (enrichment.reputation) {
          met++;
          assert.equal(mapped.reputation.score_id, enrichment.reputation.score_id);
          assert.equal(mapped.reputation.score, REPUTATION[enrichment.reputation.score]);
          assert.deepEqual(observable(event, "evidences[0].src_endpoint.ip")?.reputation, mapped.reputation);
        }
      });
      if (raw.enrichments.length === 0) assert.equal(event.enrichments, undefined);
    });
    assert.ok(met > 0);
  });

  test("the original is raw_data; what did not map is in unmapped under its raw path", () => {
    ownRaws.forEach((raw, i) => {
      const event = ownEvents[i]!;
      assert.deepEqual(JSON.parse(event.raw_data), raw);
      assert.equal(event.unmapped["metadata.version"], raw.metadata.version);
      assert.deepEqual(event.unmapped["metadata.profiles"], ["cloud", "datetime"]);
    });
  });

  test("findings other products wrote as OCSF, served by Leen, map too: ids, times, addresses, null messages", () => {
    const foreignRaws = raws.filter((raw) => !ownRaws.includes(raw));
    let nullMessages = 0;
    for (const raw of foreignRaws) {
      const event = events[raws.indexOf(raw)]!;
      assert.equal(event.finding_info.uid, raw.finding_info.uid);
      assert.equal(event.severity_id, raw.severity_id);
      assert.ok(Number.isInteger(event.time) && event.time > 1e12 && event.time < 1e13, `${event.time}`);
      if (raw.message === null) {
        nullMessages++;
        assert.equal("message" in event, false);
      }
      const ips = (raw.evidences ?? []).flatMap((e: Json) => [e.src_endpoint?.ip, e.dst_endpoint?.ip]);
      const values = new Set((event.observables as Json[]).map((o) => o.value));
      for (const ip of ips.filter((v: unknown) => typeof v === "string" && isIP(v) !== 0))
        assert.ok(values.has(ip), `${raw.finding_info.uid}: IP ${ip}`);
      assert.deepEqual(JSON.parse(event.raw_data), raw);
    }
    assert.ok(nullMessages > 0, "message: null met");
  });

  test("odd input: other time units, unknown and invalid values go to unmapped, the event stays valid", () => {
    const raw = structuredClone(ownRaws.find((r) => r.enrichments.length > 0)!);
    raw.time = Math.floor(raw.time / 1000);
    raw.finding_info.first_seen_time = new Date(raw.finding_info.first_seen_time).toISOString();
    raw.finding_info.last_seen_time = raw.finding_info.last_seen_time * 1000;
    raw.activity_id = 7;
    raw.severity_id = 42;
    raw.vendor_flag = { spicy: true };
    raw.evidences[0].src_endpoint.ip = "999.1.1.1";
    raw.evidences[0].actor.user.credential_uid = "AKIA0000";
    raw.evidences[0].process = { name: "okta-agent" };
    raw.finding_info.attacks = [{ tactics: [{ uid: "TA0006", name: "Credential Access" }] }];
    raw.enrichments[0].data = undefined;

    const event = normalizeLeenAlert(raw) as Json;
    assert.deepEqual(problems(event), []);
    assert.equal(event.time, epochMs(raw.time));
    assert.equal(event.time! % 1000, 0);
    assert.equal(event.finding_info.first_seen_time, Date.parse(raw.finding_info.first_seen_time));
    assert.equal(event.finding_info.last_seen_time, raw.finding_info.last_seen_time / 1000);
    assert.deepEqual(
      [event.activity_id, event.activity_name, event.status_id, event.unmapped.activity_id],
      [99, "Other (Leen activity_id 7)", 0, 7],
    );
    // An id OCSF does not have: the caption says which severity it is.
    const byCaption = Number(Object.entries(SEVERITIES).find(([, caption]) => caption === raw.severity)![0]);
    assert.deepEqual([event.severity_id, event.severity], [byCaption, TITLE[raw.severity]]);
    assert.equal(event.unmapped.severity_id, 42);
    assert.deepEqual(event.unmapped.vendor_flag, { spicy: true });
    // Without its address the endpoint is no OCSF network endpoint (it needs an ip, a name…): all of it goes.
    assert.equal(event.unmapped["evidences[0].src_endpoint"].ip, "999.1.1.1");
    assert.equal(event.evidences[0].src_endpoint, undefined);
    assert.equal(observable(event, "evidences[0].src_endpoint.ip"), undefined);
    assert.equal(event.unmapped["evidences[0].actor.user.credential_uid"], "AKIA0000");
    assert.deepEqual(event.unmapped["evidences[0].process"], { name: "okta-agent" });
    assert.deepEqual(event.finding_info.attacks, [{ tactic: { uid: "TA0006", name: "Credential Access" } }]);
    assert.deepEqual(event.unmapped["enrichments[0]"], raw.enrichments[0]);
  });

  test("a broken record: every rule of the compiled field lists still rejects or flags its part", () => {
    const raw: Json = {
      time: 1_700_000_000_000,
      activity_id: 1,
      severity_id: 4,
      finding_info: { uid: "broken-1", title: "Broken", created_time_dt: "2023-11-14T22:13:20Z" },
      metadata: { product: { name: "Okta" }, version: "1.1.0" },
      evidences: [
        {
          // device: no ip, uid, name or hostname (OCSF wants one): the whole device goes, its notes with it
          device: { os: { name: "Linux", type_id: 4242 }, type: "Desktop", bogus: 1 },
          // endpoint: a port out of range, a MAC that is none, an unknown attribute
          // (as JSON text, so `__proto__` is a key of its own, as JSON.parse makes it)
          src_endpoint: JSON.parse(
            '{"ip": " 10.1.2.3 ", "port": 99999, "mac": "not-a-mac", "constructor": "x", "__proto__": "y"}',
          ),
          // user: an e-mail that is none, an unknown enum id, a caption-only enum, blanks in a list
          user: {
            name: "ann",
            email_addr: "ann-at-example",
            type_id: 42,
            account: { name: "ann@example.com", type: "LDAP ACCOUNT" },
            groups: [{ name: "" }, null, { uid: "g1" }],
          },
          // file: required name missing, so all of it goes
          file: { path: "/tmp/x", type_id: 1 },
          api: { operation: 7 },
        },
      ],
    };
    const event = normalizeLeenAlert(raw) as Json;
    assert.deepEqual(problems(event), []);
    const left = event.unmapped as Json;
    const evidence = event.evidences[0] as Json;
    assert.equal(evidence.device, undefined);
    assert.deepEqual(left["evidences[0].device"], raw.evidences[0].device);
    assert.equal(left["evidences[0].device.bogus"], undefined);
    assert.equal(left["evidences[0].device.os.type_id"], undefined);
    assert.deepEqual(evidence.src_endpoint, { ip: "10.1.2.3" });
    assert.equal(left["evidences[0].src_endpoint.port"], 99_999);
    assert.equal(left["evidences[0].src_endpoint.mac"], "not-a-mac");
    assert.equal(left["evidences[0].src_endpoint.constructor"], "x");
    assert.equal(left["evidences[0].src_endpoint.__proto__"], "y");
    assert.equal(evidence.user.email_addr, undefined);
    assert.equal(left["evidences[0].user.email_addr"], "ann-at-example");
    assert.deepEqual([evidence.user.type_id, evidence.user.type], [99, "Other (42)"]);
    assert.equal(left["evidences[0].user.type_id"], 42);
    assert.deepEqual(evidence.user.account, { name: "ann@example.com", type_id: 1, type: "LDAP Account" });
    assert.deepEqual(evidence.user.groups, [{ uid: "g1" }]);
    assert.equal(evidence.file, undefined);
    assert.deepEqual(left["evidences[0].file"], raw.evidences[0].file);
    assert.deepEqual(evidence.api, { operation: "7" });
    assert.equal(event.finding_info.created_time, Date.parse("2023-11-14T22:13:20Z"));
    assert.equal(left["metadata.version"], "1.1.0");
  });

  test("epochMs tells seconds, milliseconds, microseconds, nanoseconds and ISO strings apart", () => {
    const ms = Date.parse("2025-03-01T12:34:56.789Z");
    assert.equal(epochMs(ms), ms);
    assert.equal(epochMs(Math.floor(ms / 1000)), Math.floor(ms / 1000) * 1000);
    assert.equal(epochMs(ms * 1000), ms);
    assert.equal(epochMs(String(ms * 1_000_000)), ms);
    assert.equal(epochMs("2025-03-01T12:34:56.789Z"), ms);
    assert.equal(epochMs("2025-03-01T13:34:56.789+01:00"), ms);
    for (const bad of ["", "yesterday", null, {}, 0, -5]) assert.equal(epochMs(bad), undefined);
  });

  test("the caption tables match the OCSF 1.8.0 schema", () => {
    const bundle = loadOcsfBundle();
    for (const [where, table] of Object.entries(ENUM_CAPTIONS)) {
      const [owner, attribute] = where.split(".") as [string, string];
      const def = owner === "detection_finding" ? bundle.classes["2004"] : bundle.objects[owner];
      const schema = def?.attrs[attribute]?.e;
      assert.ok(schema, `${where} is an enum of the schema`);
      const ours = Object.fromEntries(Object.entries(table).map(([id, caption]) => [String(id), caption]));
      assert.deepEqual(ours, schema, where);
    }
  });

  testReferenceValidatorAgrees(() => events);
});
