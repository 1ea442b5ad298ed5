import assert from "node:assert/strict";
import { isIP } from "node:net";
import { after, before, describe, test } from "node:test";
import { testReferenceValidatorAgrees } from "../../ocsf/testing.ts";
import { createOcsfValidator } from "../../ocsf/validator.ts";
import { createClient } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { msDefender } from "./connector.ts";
import { type DefenderAlert, normalizeDefenderAlert } from "./normalize.ts";
import { startDefenderSimulator } from "./simulator.ts";

type Json = Record<string, any>;

const START = Date.parse("2025-06-02T09:30:00Z");
/** Defender's words and the OCSF ids they must become (the specification, not the code's tables). */
const SEVERITY_IDS: Record<string, number> = { Informational: 1, Low: 2, Medium: 3, High: 4 };
const STATUS_IDS: Record<string, [number, string]> = {
  New: [1, "New"],
  InProgress: [2, "In Progress"],
  Resolved: [4, "Resolved"],
};

const observablesOf = (finding: Json, typeId: number): string[] =>
  (finding.observables ?? []).filter((o: Json) => o.type_id === typeId).map((o: Json) => o.value);

/** The value an observable's name points at, read by walking the event. */
function valueAt(event: Json, name: string): unknown {
  let current: any = event;
  for (const segment of name.split(".")) {
    const match = /^(\w+)(?:\[(\d+)\])?$/.exec(segment)!;
    current = current?.[match[1]!];
    if (match[2] !== undefined) current = current?.[Number(match[2])];
  }
  return current;
}

/** What the simulator always sends, though the schema lets a vendor leave it out. */
type Served = DefenderAlert & {
  evidence: NonNullable<DefenderAlert["evidence"]>;
  lastUpdateTime: string;
};

describe("normalizeDefenderAlert over every alert the simulator serves", () => {
  let sim: Simulator;
  let alerts: Served[];
  let findings: Json[];
  const validator = createOcsfValidator({ strict: true });

  before(async () => {
    sim = await startDefenderSimulator({ seed: 23, now: () => START });
    const client = createClient(msDefender, sim.config);
    alerts = [];
    for await (const item of client.items("listAlerts", { expandEvidence: true, top: 10_000 }))
      alerts.push(item as Served);
    await client.close();
    findings = alerts.map((alert) => normalizeDefenderAlert(alert) as Json);
  });
  after(async () => {
    await sim.close();
  });

  test("every finding is a strict OCSF 1.8.0 Detection Finding: no error, no warning", () => {
    assert.equal(alerts.length, 120);
    for (const [i, finding] of findings.entries()) {
      const result = validator.validate(finding);
      assert.deepEqual(result.errors, [], `errors in ${alerts[i]!.id}`);
      assert.deepEqual(result.warnings, [], `warnings in ${alerts[i]!.id}`);
      assert.equal(finding.class_uid, 2004);
      assert.equal(finding.metadata.version, "1.8.0");
      assert.equal(finding.metadata.product.name, "Microsoft Defender for Endpoint");
      assert.equal(finding.metadata.product.vendor_name, "Microsoft");
    }
  });

  testReferenceValidatorAgrees(() => findings);

  test("severity and status become OCSF ids with their captions; the vendor's status stays in status_code", () => {
    const seen = new Set<string>();
    for (const [i, alert] of alerts.entries()) {
      const finding = findings[i]!;
      assert.equal(finding.severity_id, SEVERITY_IDS[alert.severity], alert.id);
      assert.equal(finding.severity, alert.severity);
      const [statusId, caption] = STATUS_IDS[alert.status]!;
      assert.equal(finding.status_id, statusId);
      assert.equal(finding.status, caption);
      assert.equal(finding.status_code, alert.status);
      assert.equal(finding.activity_id, { New: 1, InProgress: 2, Resolved: 3 }[alert.status]);
      seen.add(`${alert.severity}/${alert.status}`);
    }
    // Every severity and every status was exercised.
    for (const word of Object.keys(SEVERITY_IDS))
      assert.ok(
        [...seen].some((s) => s.startsWith(`${word}/`)),
        word,
      );
    for (const word of Object.keys(STATUS_IDS))
      assert.ok(
        [...seen].some((s) => s.endsWith(`/${word}`)),
        word,
      );
  });

  test("times are epoch milliseconds of the vendor's timestamps", () => {
    for (const [i, alert] of alerts.entries()) {
      const finding = findings[i]!;
      const created = Date.parse(alert.alertCreationTime);
      assert.ok(Number.isInteger(created) && created > 1e12 && created < 1e13);
      assert.equal(finding.time, created);
      assert.equal(finding.finding_info.created_time, created);
      assert.equal(finding.finding_info.modified_time, Date.parse(alert.lastUpdateTime));
      assert.equal(finding.finding_info.first_seen_time, Date.parse(alert.firstEventTime!));
      assert.equal(finding.finding_info.last_seen_time, Date.parse(alert.lastEventTime!));
      assert.equal(finding.metadata.original_time, alert.alertCreationTime);
    }
  });

  test("finding_info carries id, title, description, category and MITRE techniques", () => {
    for (const [i, alert] of alerts.entries()) {
      const info = findings[i]!.finding_info;
      assert.equal(info.uid, alert.id);
      assert.equal(info.title, alert.title);
      assert.equal(info.desc, alert.description);
      assert.deepEqual(info.types, [alert.category]);
      const techniques = (info.attacks ?? [])
        .filter((a: Json) => a.technique)
        .map((a: Json) => a.sub_technique?.uid ?? a.technique.uid);
      assert.deepEqual(techniques, alert.mitreTechniques);
      for (const attack of info.attacks ?? []) {
        if (attack.sub_technique) assert.ok(attack.sub_technique.uid.startsWith(`${attack.technique.uid}.`));
      }
    }
    const tactics = findings.flatMap((f) => (f.finding_info.attacks ?? []).filter((a: Json) => a.tactic));
    assert.ok(tactics.some((a: Json) => a.tactic.uid === "TA0002" && a.tactic.name === "Execution"));
  });

  test("the device is the alert's machine", () => {
    for (const [i, alert] of alerts.entries()) {
      const device = findings[i]!.device;
      assert.equal(device.uid, alert.machineId);
      assert.equal(device.hostname, alert.computerDnsName);
      assert.equal(device.name, alert.computerDnsName!.split(".")[0]);
      assert.deepEqual(device.groups, [{ name: alert.rbacGroupName }]);
      assert.ok(observablesOf(findings[i]!, 1).includes(alert.computerDnsName!));
      assert.ok(observablesOf(findings[i]!, 47).includes(alert.machineId!));
    }
  });

  test("every IP of the evidence, IPv4 and IPv6, is an endpoint and an IP observable", () => {
    const families = new Set<number>();
    for (const [i, alert] of alerts.entries()) {
      const ips = alert.evidence.filter((e) => e.entityType === "Ip").map((e) => e.ipAddress!);
      const finding = findings[i]!;
      const endpoints = (finding.evidences ?? []).map((e: Json) => e.dst_endpoint?.ip).filter(Boolean);
      assert.deepEqual(endpoints, ips);
      assert.deepEqual(observablesOf(finding, 2), ips);
      for (const ip of ips) families.add(isIP(ip));
    }
    assert.deepEqual(families, new Set([4, 6]));
  });

  test("every file hash (SHA-1, SHA-256) is a fingerprint and a hash observable", () => {
    let count = 0;
    for (const [i, alert] of alerts.entries()) {
      const finding = findings[i]!;
      const hashes = alert.evidence.flatMap((e) => [e.sha1, e.sha256]).filter((h): h is string => !!h);
      const fingerprints = (finding.evidences ?? []).flatMap(
        (e: Json) => (e.file ?? e.process?.file)?.hashes ?? [],
      );
      assert.deepEqual(
        fingerprints.map((h: Json) => h.value),
        hashes,
      );
      for (const h of fingerprints)
        assert.equal(h.algorithm_id, h.value.length === 40 ? 2 : 3, `${h.value} is ${h.algorithm}`);
      assert.deepEqual(new Set(observablesOf(finding, 8)), new Set(hashes));
      count += hashes.length;
    }
    assert.ok(count > 100, `${count} hashes`);
  });

  test("users: the related user is the actor, with the SID, Entra id and UPN of its evidence", () => {
    let enriched = 0;
    for (const [i, alert] of alerts.entries()) {
      const finding = findings[i]!;
      const userRows = alert.evidence.filter((e) => e.entityType === "User");
      for (const row of userRows) {
        const mapped = finding.evidences.find((e: Json) => e.user?.uid === row.userSid).user;
        assert.equal(mapped.name, row.accountName);
        assert.equal(mapped.domain, row.domainName);
        assert.equal(mapped.uid_alt, row.aadUserId);
        assert.equal(mapped.email_addr, row.userPrincipalName);
      }
      if (!alert.relatedUser) {
        assert.equal(finding.actor, undefined);
        continue;
      }
      assert.equal(finding.actor.user.name, alert.relatedUser.userName);
      assert.equal(finding.actor.user.domain, alert.relatedUser.domainName);
      assert.ok(observablesOf(finding, 4).includes(alert.relatedUser.userName!));
      if (userRows.length > 0) {
        assert.equal(finding.actor.user.uid, userRows[0]!.userSid);
        assert.ok(observablesOf(finding, 31).includes(userRows[0]!.userSid!));
        assert.ok(observablesOf(finding, 5).includes(userRows[0]!.userPrincipalName!));
        enriched++;
      }
    }
    assert.ok(enriched > 10, `${enriched} actors with SID`);
  });

  test("URLs and their host names are observables", () => {
    let count = 0;
    for (const [i, alert] of alerts.entries()) {
      const finding = findings[i]!;
      for (const row of alert.evidence.filter((e) => e.entityType === "Url")) {
        const host = new URL(row.url!).hostname;
        assert.ok(observablesOf(finding, 6).includes(row.url!));
        assert.ok(observablesOf(finding, 1).includes(host));
        count++;
      }
    }
    assert.ok(count > 10);
  });

  test("every observable's name is a path to its value in the finding", () => {
    for (const finding of findings) {
      for (const o of finding.observables) assert.equal(String(valueAt(finding, o.name)), o.value, o.name);
    }
  });

  test("classification becomes the verdict; the rest of the alert is in unmapped and raw_data", () => {
    const verdicts: Record<string, number> = {
      TruePositive: 2,
      FalsePositive: 1,
      InformationalExpectedActivity: 5,
    };
    for (const [i, alert] of alerts.entries()) {
      const finding = findings[i]!;
      assert.deepEqual(JSON.parse(finding.raw_data), alert);
      if (alert.classification) {
        const expected =
          alert.determination === "SecurityTesting" ? 6 : verdicts[alert.classification as string];
        assert.equal(finding.verdict_id, expected, `${alert.classification}/${alert.determination}`);
      } else assert.equal(finding.verdict_id, undefined);
      assert.equal(finding.unmapped?.determination, alert.determination ?? undefined);
      assert.equal(finding.unmapped?.incidentId, alert.incidentId);
      assert.equal(finding.assignee?.name, alert.assignedTo ?? undefined);
      if (alert.threatName) assert.equal(finding.malware[0].name, alert.threatName);
      for (const key of ["severity", "status", "title", "evidence", "machineId"])
        assert.equal(finding.unmapped?.[key], undefined, key);
    }
    assert.ok(alerts.some((a) => a.classification && a.determination));
  });

  test("pure: the same alert gives the same finding and is left untouched", () => {
    const alert = alerts[0]!;
    const copy = structuredClone(alert);
    assert.deepEqual(normalizeDefenderAlert(alert), normalizeDefenderAlert(copy));
    assert.deepEqual(alert, copy);
  });

  test("odd alerts still validate: unspecified severity, unknown status, registry, bare host, unknown technique", () => {
    const base = structuredClone(alerts.find((a) => a.evidence.length > 0)!);
    const odd: DefenderAlert = {
      ...base,
      severity: "Unspecified",
      status: "Unknown",
      classification: null,
      determination: null,
      relatedUser: null,
      mitreTechniques: ["T1059.001", "not-a-technique"],
      evidence: [
        ...base.evidence,
        {
          ...base.evidence[0]!,
          entityType: "Registry",
          registryHive: "HKEY_LOCAL_MACHINE",
          registryKey: "SOFTWARE\\Run",
        },
        { ...base.evidence[0]!, entityType: "Url", url: "bad.example.org" },
        {
          ...base.evidence[0]!,
          entityType: "Process",
          processId: null,
          fileName: "x.exe",
          filePath: "C:\\t",
        },
        { ...base.evidence[0]!, entityType: "MailCluster" },
      ],
    };
    const finding = normalizeDefenderAlert(odd) as Json;
    const result = validator.validate(finding);
    assert.deepEqual([...result.errors, ...result.warnings], []);
    assert.equal(finding.severity_id, 0);
    assert.equal(finding.status_id, 0);
    assert.deepEqual(finding.unmapped.mitreTechniques, ["not-a-technique"]);
    assert.ok(observablesOf(finding, 46).includes("HKEY_LOCAL_MACHINE\\SOFTWARE\\Run"));
    assert.ok(observablesOf(finding, 1).includes("bad.example.org"));
    assert.ok(finding.evidences.some((e: Json) => e.name === "MailCluster" && e.data));
    assert.ok(finding.evidences.some((e: Json) => e.file?.path === "C:\\t\\x.exe" && !e.process));
  });

  test("vendor words that are Object.prototype names map like any unknown word", () => {
    const base = structuredClone(alerts.find((a) => a.evidence.length > 0)!);
    const odd: DefenderAlert = {
      ...base,
      severity: "constructor",
      status: "__proto__",
      classification: "toString",
      category: "hasOwnProperty",
      evidence: [{ ...base.evidence[0]!, entityType: "constructor" }],
    };
    const finding = normalizeDefenderAlert(odd) as Json;
    const result = validator.validate(finding);
    assert.deepEqual([...result.errors, ...result.warnings], []);
    assert.equal(finding.severity_id, 99);
    assert.equal(finding.status_id, 99);
  });
});

test("loose shapes: integers as strings, nulls and blanks, times without zone or fraction, fields never seen", () => {
  const finding = normalizeDefenderAlert({
    id: "da000_1",
    title: "Suspicious process",
    severity: "high",
    status: "New",
    category: "null",
    alertCreationTime: "2020-07-18T03:27:38",
    lastUpdateTime: "2020-07-18T03:28:19.76Z",
    firstEventTime: "",
    lastEventTime: null,
    machineId: "m1",
    relatedUser: null,
    brandNewField: { nested: true },
    evidence: [
      {
        entityType: "Process",
        fileName: "cmd.exe",
        filePath: "C:\\Windows\\System32",
        processId: "4242",
        processCreationTime: "2020-07-18T03:25:38.5269993",
        parentProcessId: null,
        sha1: null,
        ipAddress: null,
        url: "",
      },
      { entityType: "Ip", ipAddress: "10.1.2.3", accountName: null },
    ],
  } as unknown as DefenderAlert) as Json;
  assert.deepEqual(createOcsfValidator({ strict: true }).validate(finding).errors, []);
  assert.deepEqual([finding.severity_id, finding.severity], [4, "High"]);
  assert.equal(finding.time, Date.UTC(2020, 6, 18, 3, 27, 38));
  assert.equal(finding.finding_info.first_seen_time, undefined);
  assert.equal(finding.finding_info.types, undefined);
  assert.equal(finding.evidences[0].process.pid, 4242);
  assert.equal(finding.evidences[0].process.created_time, Date.UTC(2020, 6, 18, 3, 25, 38, 526));
  assert.equal(finding.evidences[1].dst_endpoint.ip, "10.1.2.3");
  assert.deepEqual(finding.unmapped, { brandNewField: { nested: true } });
});

test("an alert that cannot be keyed is refused with a ValidationError (ingestion keeps it as a reject)", () => {
  assert.throws(() => normalizeDefenderAlert({ title: "no id" } as unknown as DefenderAlert), {
    name: "ValidationError",
    message: /has no id/,
  });
  assert.throws(() => normalizeDefenderAlert(null as unknown as DefenderAlert), { name: "ValidationError" });
});
