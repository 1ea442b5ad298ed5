import assert from "node:assert/strict";
import { isIP } from "node:net";
import { after, before, describe, test } from "node:test";
import { createOcsfValidator } from "../../ocsf/index.ts";
import { testReferenceValidatorAgrees } from "../../ocsf/testing.ts";
import { type ConnectorClient, createClient } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { ironDefense } from "./connector.ts";
import {
  type IronDefenseAlert,
  type IronDefenseEvent,
  normalizeIronDefenseAlert,
  severityIdOf,
} from "./normalize.ts";
import { startIronDefenseSimulator } from "./simulator.ts";

/** The independent reference validator, present only in the project's shared workspace. */
const validator = createOcsfValidator({ strict: true });

/** The value at an observable's attribute path (`evidences[2].dst_endpoint.ip`). */
function at(event: unknown, path: string): unknown {
  let value: any = event;
  for (const step of path.split(".")) {
    const m = /^(\w+)(?:\[(\d+)\])?$/.exec(step)!;
    value = value?.[m[1]!];
    if (m[2] !== undefined) value = value?.[Number(m[2])];
  }
  return value;
}

describe("IronDefense alerts as OCSF Detection Findings", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  let records: Array<{ alert: IronDefenseAlert; events: IronDefenseEvent[] }>;
  let findings: ReturnType<typeof normalizeIronDefenseAlert>[];
  const leased = new Map<string, { type: string; value: string }>();

  before(async () => {
    sim = await startIronDefenseSimulator({ seed: 5 });
    client = createClient(ironDefense, sim.config);
    await fetch(`${sim.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: 180 }),
    });
    const first: IronDefenseAlert[] = [];
    for await (const alert of client.items("GetAlerts")) first.push(alert as IronDefenseAlert);
    // Entity records give some internal IPs a hostname or a user; analysts rate and close others.
    const sample = first.slice(0, 4);
    for (const [i, alert] of sample.entries()) {
      const src = /src_ip=([^,]+)/.exec(String(alert.aggregation_criteria))![1]!;
      const holder = i % 2 === 0 ? { hostname: `ws-${i}.corp.example` } : { username: `analyst${i}` };
      await client.call("UpdateEntityRecord", {
        ip: src,
        ...holder,
        lease_start_time: "2000-01-01T00:00:00Z",
        lease_end_time: "2100-01-01T00:00:00Z",
      });
      leased.set(src, { type: Object.keys(holder)[0]!, value: Object.values(holder)[0]! });
    }
    await client.call("RateAlert", {
      alert_id: first[5]!.id,
      analyst_severity: "SEVERITY_MALICIOUS",
      analyst_expectation: "EXP_UNEXPECTED",
    });
    await client.call("SetAlertStatus", { alert_id: first[5]!.id, status: "STATUS_CLOSED" });
    records = [];
    for await (const item of client.items("GetAlerts")) {
      const alert = item as IronDefenseAlert;
      const events: IronDefenseEvent[] = [];
      for await (const event of client.items("GetEvents", { alert_id: alert.id }))
        events.push(event as IronDefenseEvent);
      records.push({ alert, events });
    }
    findings = records.map((r) => normalizeIronDefenseAlert(r.alert, r.events));
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  test("every alert the simulator serves is valid OCSF 1.8.0 in strict mode: no errors, no warnings", () => {
    assert.equal(records.length, 300);
    const problems = findings.flatMap((finding, i) => {
      const { errors, warnings } = validator.validate(finding);
      return [...errors, ...warnings].map((p) => `${records[i]!.alert.id} ${p.path} ${p.code} ${p.message}`);
    });
    assert.deepEqual(problems, []);
  });

  testReferenceValidatorAgrees(() => findings);

  test("severity 0–1000 falls into five bands; the score itself is the risk score", () => {
    const bands: Array<[number, number]> = [
      [0, 1],
      [99, 1],
      [100, 2],
      [399, 2],
      [400, 3],
      [699, 3],
      [700, 4],
      [899, 4],
      [900, 5],
      [1000, 5],
      [-1, 0],
      [1001, 0],
    ];
    for (const [score, id] of bands) assert.equal(severityIdOf(score), id, String(score));
    const seen = new Set<number>();
    for (const [i, finding] of findings.entries()) {
      const score = records[i]!.alert.severity;
      const expected = score >= 900 ? 5 : score >= 700 ? 4 : score >= 400 ? 3 : score >= 100 ? 2 : 1;
      assert.equal(finding.severity_id, expected);
      assert.equal(finding.risk_score, score);
      seen.add(finding.severity_id);
    }
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5], "the simulated alerts cover every band");
  });

  test("status: awaiting review is New, under review In Progress, closed Resolved (activity Close)", () => {
    const expected: Record<string, [number, string]> = {
      STATUS_AWAITING_REVIEW: [1, "New"],
      STATUS_UNDER_REVIEW: [2, "In Progress"],
      STATUS_CLOSED: [4, "Resolved"],
    };
    const seen = new Set<string>();
    for (const [i, finding] of findings.entries()) {
      const alert = records[i]!.alert;
      seen.add(alert.status);
      assert.deepEqual([finding.status_id, finding.status], expected[alert.status]);
      assert.equal(finding.status_code, alert.status);
      const untouched = alert.created === alert.updated && alert.status === "STATUS_AWAITING_REVIEW";
      assert.equal(finding.activity_id, alert.status === "STATUS_CLOSED" ? 3 : untouched ? 1 : 2);
    }
    assert.equal(seen.size, 3);
  });

  test("the analyst's rating is the verdict, and both raw values are finding tags", () => {
    const verdicts: Record<string, number | undefined> = {
      SEVERITY_UNDECIDED: undefined,
      SEVERITY_BENIGN: 5,
      SEVERITY_SUSPICIOUS: 4,
      SEVERITY_MALICIOUS: 2,
    };
    for (const [i, finding] of findings.entries()) {
      const alert = records[i]!.alert;
      assert.equal(finding.verdict_id, verdicts[alert.analyst_severity]);
      assert.deepEqual(finding.finding_info.tags, [
        { name: "analyst_severity", value: alert.analyst_severity },
        { name: "analyst_expectation", value: alert.analyst_expectation },
      ]);
    }
    const malicious = findings.filter((f) => f.finding_info.tags![0]!.value === "SEVERITY_MALICIOUS");
    assert.ok(malicious.length > 0);
    for (const finding of malicious) assert.match(finding.status_detail!, /; rated malicious, /);
  });

  test("times are epoch milliseconds: created, updated, first and last event", () => {
    for (const [i, finding] of findings.entries()) {
      const { alert, events } = records[i]!;
      assert.equal(finding.time, Date.parse(alert.created));
      assert.equal(finding.finding_info.created_time, Date.parse(alert.created));
      assert.equal(finding.finding_info.modified_time, Date.parse(alert.updated));
      assert.equal(
        finding.finding_info.first_seen_time,
        Math.min(...events.map((e) => Date.parse(e.start_time))),
      );
      assert.equal(
        finding.finding_info.last_seen_time,
        Math.max(...events.map((e) => Date.parse(e.end_time))),
      );
      assert.ok(finding.time > 1e12 && Number.isInteger(finding.time));
    }
  });

  test("identity, title and text come from the alert; raw_data is the alert; leftovers are unmapped", () => {
    for (const [i, finding] of findings.entries()) {
      const { alert } = records[i]!;
      assert.equal(finding.finding_info.uid, alert.id);
      assert.match(finding.finding_info.title!, /^(C2|Action|Access|Recon|Other): [A-Z]/);
      assert.equal(finding.finding_info.analytic!.uid, alert.sub_category);
      assert.equal(finding.finding_info.src_url, alert.vue_url);
      assert.equal(finding.count, alert.event_count);
      assert.deepEqual(finding.metadata.product, { name: "IronDefense", vendor_name: "IronNet" });
      assert.equal(finding.metadata.version, "1.8.0");
      assert.deepEqual(JSON.parse(finding.raw_data!), alert);
      assert.equal(finding.unmapped!.aggregation_criteria, alert.aggregation_criteria);
      assert.equal("id" in finding.unmapped!, false);
    }
    const tunnel = findings.find((f) => f.finding_info.analytic!.uid === "DNS_TUNNELING")!;
    assert.equal(tunnel.finding_info.title, "C2: DNS Tunneling");
    assert.deepEqual(tunnel.finding_info.attacks![0]!.sub_technique!.uid, "T1071.004");
    for (const finding of findings.filter((f) => f.finding_info.types![0] === "C2"))
      assert.equal(finding.finding_info.attacks![0]!.tactic!.uid, "TA0011");
  });

  test("every IP (v4 and v6), domain and user of the events is an observable at a path holding it", () => {
    const families = new Set<number>();
    for (const [i, finding] of findings.entries()) {
      const { events } = records[i]!;
      const values = (typeId: number) =>
        new Set(finding.observables!.filter((o) => o.type_id === typeId).map((o) => o.value));
      const ips = new Set(events.flatMap((e) => [e.src_ip, e.dst_ip]));
      assert.deepEqual(values(2), ips);
      for (const ip of ips) families.add(isIP(ip));
      for (const domain of events.flatMap((e) => e.app_domains)) assert.ok(values(1).has(domain), domain);
      for (const observable of finding.observables!)
        assert.equal(at(finding, observable.name), observable.value);
      for (const [e, event] of events.entries()) {
        const evidence = finding.evidences![e]!;
        assert.equal(evidence.uid, event.id);
        assert.equal(evidence.src_endpoint!.ip, event.src_ip);
        assert.equal(evidence.dst_endpoint!.ip, event.dst_ip);
        assert.equal(evidence.dst_endpoint!.port, Number(event.dst_port));
      }
    }
    assert.deepEqual([...families].sort(), [4, 6]);
    const v6 = findings.flatMap((f) => f.observables!).find((o) => o.type_id === 2 && isIP(o.value!) === 6);
    assert.ok(v6, "an IPv6 observable");
  });

  test("hosts and users learnt from entity records are on the endpoint and observables", () => {
    let checked = 0;
    for (const finding of findings) {
      const holder = leased.get(finding.device?.ip ?? "");
      if (!holder) continue;
      checked++;
      const src = finding.evidences![0]!.src_endpoint as { hostname?: string; owner?: { name: string } };
      if (holder.type === "hostname") {
        assert.equal(src.hostname, holder.value);
        assert.equal(finding.device!.hostname, holder.value);
      } else {
        assert.equal(src.owner!.name, holder.value);
        assert.ok(finding.observables!.some((o) => o.type_id === 4 && o.value === holder.value));
      }
    }
    assert.ok(checked >= leased.size);
  });

  test("normalizing is pure: the same finding every time, and the input untouched", () => {
    const { alert, events } = records[0]!;
    const before = structuredClone({ alert, events });
    assert.deepEqual(normalizeIronDefenseAlert(alert, events), normalizeIronDefenseAlert(alert, events));
    assert.deepEqual({ alert, events }, before);
  });
});

test("an alert without its events, with an unknown status, still normalizes to valid OCSF", () => {
  const finding = normalizeIronDefenseAlert({
    id: "5a8f3c2e-1d4b-4c6a-9e7f-0b1c2d3e4f50",
    category: "OTHER",
    sub_category: "UNUSUAL_PROTOCOL",
    severity: 0,
    status: "STATUS_ESCALATED",
    analyst_severity: "SEVERITY_UNDECIDED",
    analyst_expectation: "EXP_UNKNOWN",
    created: "2025-03-01T10:00:00.123456Z",
    updated: "2025-03-01T10:00:00.123456Z",
    event_count: 0,
    first_event_created: "",
    last_event_created: "",
    first_event_start_time: "",
    last_event_end_time: "",
    raw_data_formats: ["RDF_TAP"],
    aggregation_criteria: "src_ip=fd00::17,app_domain=irc.example.net",
    vue_url: "https://ironvue.example/alert?uuid=5a8f3c2e1d4b4c6a9e7f0b1c2d3e4f50",
    customer_tag: "plant-7",
  });
  assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
  assert.deepEqual([finding.status_id, finding.status], [99, "STATUS_ESCALATED"]);
  assert.equal(finding.severity_id, 1);
  assert.equal(finding.time, Date.parse("2025-03-01T10:00:00.123Z"));
  assert.deepEqual(finding.evidences, [
    { src_endpoint: { ip: "fd00::17" }, dst_endpoint: { hostname: "irc.example.net" } },
  ]);
  assert.equal(finding.device!.ip, "fd00::17");
  assert.equal(finding.unmapped!.customer_tag, "plant-7");
  assert.equal(finding.verdict_id, undefined);
  assert.equal(finding.finding_info.attacks, undefined);
});
