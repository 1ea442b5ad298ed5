import assert from "node:assert/strict";
import { isIP } from "node:net";
import { after, before, describe, test } from "node:test";
import { createOcsfValidator, type DetectionFinding } from "../../ocsf/index.ts";
import { testReferenceValidatorAgrees } from "../../ocsf/testing.ts";
import { type ConnectorClient, createClient } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { thinkstCanary } from "./connector.ts";
import { type CanaryListingIncident, normalizeCanaryIncident } from "./normalize.ts";
import { LOGTYPES } from "./sim-state.ts";
import { startCanarySimulator } from "./simulator.ts";

/** The independent reference validator, present only in the project's shared workspace. */
const validator = createOcsfValidator({ strict: true });

describe("Canary incidents as OCSF Detection Findings", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  let incidents: CanaryListingIncident[];
  let findings: DetectionFinding[];
  const acknowledged = new Set<string>();

  before(async () => {
    sim = await startCanarySimulator({ port: 0, seed: 11 });
    client = createClient(thinkstCanary, sim.config);
    // More incidents than the default 60, so that every logtype shows up.
    await fetch(`${sim.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: 90 }),
    });
    const first: CanaryListingIncident[] = [];
    for await (const item of client.items("listAllIncidents")) first.push(item as CanaryListingIncident);
    for (const incident of first.slice(0, 10)) {
      await client.call("acknowledgeIncident", { incident: incident.id });
      acknowledged.add(incident.id);
    }
    incidents = [];
    for await (const item of client.items("listAllIncidents")) incidents.push(item as CanaryListingIncident);
    findings = incidents.map(normalizeCanaryIncident);
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  test("every incident the simulator serves, of every logtype, is valid OCSF in strict mode", () => {
    assert.ok(incidents.length >= 150, `${incidents.length} incidents`);
    assert.deepEqual(new Set(incidents.map((i) => i.description.logtype)), new Set(Object.keys(LOGTYPES)));
    const problems = findings.flatMap((finding, i) => {
      const { errors, warnings } = validator.validate(finding);
      return [...errors, ...warnings].map((p) => `${incidents[i]!.id} ${p.path} ${p.code} ${p.message}`);
    });
    assert.deepEqual(problems, []);
  });

  testReferenceValidatorAgrees(() => findings);

  test("identity, times and text come from the incident", () => {
    for (const [i, finding] of findings.entries()) {
      const incident = incidents[i]!;
      const flat = incident.description as Record<string, any>;
      const eventTimes = flat.events.map((e: { timestamp: number }) => e.timestamp * 1000);
      assert.equal(finding.finding_info.uid, incident.id);
      assert.equal(finding.finding_info.uid_alt, incident.hash_id);
      assert.equal(finding.finding_info.title, incident.summary);
      assert.deepEqual(finding.finding_info.types, [incident.summary]);
      assert.equal(finding.time, Number(flat.created) * 1000);
      assert.equal(finding.finding_info.created_time, Number(flat.created) * 1000);
      assert.equal(finding.finding_info.modified_time, Number(incident.updated_time) * 1000);
      assert.equal(finding.finding_info.first_seen_time, Math.min(...eventTimes));
      assert.equal(finding.finding_info.last_seen_time, Math.max(...eventTimes));
      assert.equal(finding.count, Number(flat.events_count));
      assert.equal(finding.metadata.sequence, incident.updated_id);
      assert.equal(finding.metadata.event_code, flat.logtype);
      assert.deepEqual(finding.metadata.product, { name: "Thinkst Canary", vendor_name: "Thinkst" });
      assert.deepEqual(JSON.parse(finding.raw_data!), incident);
    }
  });

  test("acknowledged incidents are Resolved (activity Close); the others New (activity Create)", () => {
    assert.equal(findings.filter((f) => f.status_id === 4).length, acknowledged.size);
    for (const finding of findings) {
      const isAcknowledged = acknowledged.has(finding.finding_info.uid);
      assert.equal(finding.status_id, isAcknowledged ? 4 : 1);
      assert.equal(finding.activity_id, isAcknowledged ? 3 : 1);
      assert.equal(finding.type_uid, isAcknowledged ? 200403 : 200401);
    }
  });

  test("severity: High for every Canary incident but a port scan, which is Medium", () => {
    for (const [i, finding] of findings.entries()) {
      const scan = incidents[i]!.description.logtype === "5003";
      assert.deepEqual([finding.severity_id, finding.severity], scan ? [3, "Medium"] : [4, "High"]);
    }
  });

  test("the Canary is the device; the attacker and the Canary's service are the evidence endpoints", () => {
    for (const [i, finding] of findings.entries()) {
      const flat = incidents[i]!.description as Record<string, any>;
      const token = flat.name === "N/A";
      const expected: Record<string, unknown> = { type_id: 1, type: "Server", uid: flat.node_id };
      if (!token) Object.assign(expected, { name: flat.name, hostname: flat.name });
      // Its own address when the console has it on record, else the one attacked.
      expected.ip = flat.ip_address || flat.dst_host;
      if (flat.mac_address) expected.mac = flat.mac_address;
      expected.groups = [{ uid: flat.flock_id, name: flat.flock_name }];
      assert.deepEqual(finding.device, expected);
      assert.equal(finding.evidences!.length, flat.events.length);
      for (const [j, evidence] of finding.evidences!.entries()) {
        const attacker = flat.src_host || flat.events[j].src_host;
        assert.equal(evidence.src_endpoint?.ip, attacker || undefined);
        assert.equal(evidence.src_endpoint?.hostname, flat.src_host_reverse || undefined);
        assert.equal(evidence.src_endpoint?.port, Number(flat.src_port) || undefined);
        assert.equal(evidence.dst_endpoint!.ip, flat.dst_host);
        assert.equal(evidence.dst_endpoint!.port, Number(flat.dst_port) || undefined);
      }
    }
  });

  test("every IP, hostname and user of the incident is an observable, and users are evidence", () => {
    const hostHeaders = (e: any) => (e.headers?.Host ? [e.headers.Host] : []);
    for (const [i, finding] of findings.entries()) {
      const flat = incidents[i]!.description as Record<string, any>;
      const values = (typeId: number) =>
        new Set(finding.observables!.filter((o) => o.type_id === typeId).map((o) => o.value));
      const named = [...flat.events.map((e: any) => e.HOSTNAME), ...flat.events.flatMap(hostHeaders)].filter(
        Boolean,
      );
      const ips = new Set(
        [flat.src_host, flat.dst_host, flat.ip_address, ...flat.events.map((e: any) => e.src_host), ...named]
          .filter(Boolean)
          .filter((v: string) => isIP(v) !== 0),
      );
      const hosts = new Set(
        [flat.name === "N/A" ? "" : flat.name, flat.src_host_reverse, ...named]
          .filter(Boolean)
          .filter((v: string) => isIP(v) === 0),
      );
      const users = new Set(flat.events.map((e: any) => e.USERNAME ?? e.USER).filter(Boolean));
      assert.deepEqual(values(2), ips);
      assert.deepEqual(values(1), hosts);
      assert.deepEqual(values(4), users);
      assert.deepEqual(values(47), new Set([flat.node_id]));
      finding.evidences!.forEach((evidence, j) => {
        assert.equal(evidence.user?.name, flat.events[j].USERNAME ?? flat.events[j].USER);
      });
      if (users.size > 0) assert.equal(finding.actor!.user!.name, [...users][0]);
    }
    // The sample has web logins and Canarytoken hits, whose Host is what the tests above check.
    assert.ok(incidents.some((i) => i.description.logtype === "3001"));
    assert.ok(incidents.some((i) => i.description.logtype === "17000"));
  });

  test("a web login and a Canarytoken hit keep their HTTP request: method, Host, path, URL, headers", () => {
    const login = findings.find((f) => f.metadata.event_code === "3001")!;
    const event = JSON.parse(login.raw_data!).description.events[0];
    assert.deepEqual(login.evidences![0]!.http_request, {
      http_method: "POST",
      user_agent: event.USERAGENT,
      url: { path: "/index.html", hostname: event.HOSTNAME },
      http_headers: [{ name: "Host", value: event.HOSTNAME }],
    });
    const hit = findings.find((f) => f.metadata.event_code === "17000")!;
    const tokenEvent = JSON.parse(hit.raw_data!).description.events[0];
    const request = hit.evidences![0]!.http_request as Record<string, any>;
    assert.equal(request.url.url_string, tokenEvent.url);
    assert.equal(request.url.hostname, tokenEvent.headers.Host);
    assert.equal(request.user_agent, tokenEvent.headers["User-Agent"]);
    assert.deepEqual(
      request.http_headers,
      Object.entries(tokenEvent.headers).map(([name, value]) => ({ name, value })),
    );
  });

  test("what did not map stays: event leftovers in evidence data, incident leftovers in unmapped", () => {
    for (const [i, finding] of findings.entries()) {
      const incident = incidents[i]!;
      const flat = incident.description as Record<string, any>;
      assert.equal(finding.unmapped!.notified, flat.notified);
      assert.equal(finding.unmapped!.local_time, flat.local_time);
      for (const key of ["acknowledged", "src_host", "events", "ip_address", "mac_address", "flock_id"]) {
        assert.equal(key in finding.unmapped!, false, key);
      }
      finding.evidences!.forEach((evidence, j) => {
        const event = flat.events[j];
        assert.equal(evidence.data!.timestamp, event.timestamp);
        if ("PASSWORD" in event) assert.equal(evidence.data!.PASSWORD, event.PASSWORD);
        assert.equal("USERNAME" in evidence.data!, false);
        assert.equal("headers" in evidence.data!, false);
      });
    }
  });

  test("normalizing is pure: the same finding every time, and the incident untouched", () => {
    const incident = incidents[0]!;
    const before = structuredClone(incident);
    assert.deepEqual(normalizeCanaryIncident(incident), normalizeCanaryIncident(incident));
    assert.deepEqual(incident, before);
  });
});

test("an odd incident (no events, a named source, a MAC, an unknown logtype) still normalizes to valid OCSF", () => {
  const finding = normalizeCanaryIncident({
    id: "incident:custom:1",
    summary: "Custom TCP Service Request",
    updated_id: 7,
    updated_time: "1700000100",
    description: {
      acknowledged: "True",
      created: "1700000000",
      logtype: "20001",
      dst_host: "10.1.2.3",
      dst_port: "9999",
      src_host: "attacker.example.net",
      src_port: "0",
      mac_address: "00:11:22:33:44:55",
      name: "branch-canary",
      node_id: "0001",
      events_count: "0",
      events: [],
      flock_name: "Branch Offices",
      ippers: "linux",
    },
  });
  assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
  assert.deepEqual(finding.evidences, [
    { src_endpoint: { hostname: "attacker.example.net" }, dst_endpoint: { ip: "10.1.2.3", port: 9999 } },
  ]);
  assert.equal(finding.device!.mac, "00:11:22:33:44:55");
  assert.equal(finding.severity_id, 4);
  assert.equal(finding.status, "Resolved");
  assert.equal(finding.finding_info.first_seen_time, 1_700_000_000_000);
  assert.deepEqual((finding.device as { groups?: unknown }).groups, [{ name: "Branch Offices" }]);
  assert.deepEqual(finding.unmapped, { ippers: "linux" });
  assert.equal(finding.actor, undefined);
});
