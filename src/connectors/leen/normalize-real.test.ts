import assert from "node:assert/strict";
import { isIP } from "node:net";
import { describe, test } from "node:test";
import { createOcsfValidator, type DetectionFinding } from "../../ocsf/index.ts";
import { realPayloads, testReferenceValidatorAgrees } from "../../ocsf/testing.ts";
import { normalizeLeenAlert } from "./normalize.ts";

// No public Leen IDP alert exists; ../shared/real-payloads/leen holds OCSF Detection Findings other
// producers published (Okta via OCSF 1.3.0 with time in seconds and Title-case captions; AWS
// Security Hub via OCSF 1.1.0 with *_time_dt offset strings), served as Leen listing items.

type Json = Record<string, any>;
const records = realPayloads("leen");
const validator = createOcsfValidator({ strict: true });

/** The addresses an OCSF finding holds where OCSF puts them: endpoints, devices, resources. */
function ipsOf(alert: Json): Set<string> {
  const places = (alert.evidences ?? []).flatMap((e: Json) => [
    e.src_endpoint?.ip,
    e.dst_endpoint?.ip,
    e.device?.ip,
  ]);
  places.push(alert.device?.ip, ...(alert.resources ?? []).map((r: Json) => r.ip));
  return new Set(places.filter((v: unknown) => typeof v === "string" && isIP(v) !== 0));
}

describe("every real OCSF finding, as a Leen item, normalizes to a valid OCSF 1.8.0 Detection Finding", {
  skip: records.skip,
}, () => {
  const findings: DetectionFinding[] = [];
  for (const { file, json } of records.payloads) {
    test(file, () => {
      const alert = json as Json;
      const finding = normalizeLeenAlert(alert) as Json;
      findings.push(finding as DetectionFinding);
      assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
      assert.equal(finding.finding_info.uid, alert.finding_info.uid);
      assert.equal(finding.class_name, "Detection Finding");
      assert.equal(finding.severity_id, alert.severity_id);
      const values = new Set(
        finding.observables.filter((o: Json) => o.type_id === 2).map((o: Json) => o.value),
      );
      for (const ip of ipsOf(alert)) assert.ok(values.has(ip), `${file}: IP ${ip}`);
      assert.deepEqual(JSON.parse(finding.raw_data), alert);
    });
  }

  test("times in seconds become milliseconds; *_time_dt strings with an offset fill the times they stand for", () => {
    const okta = records.payloads.find((p) => p.file.startsWith("01-"))!.json as Json;
    assert.equal(normalizeLeenAlert(okta).time, okta.time * 1000);
    const guardDuty = records.payloads.find((p) => p.file.startsWith("02-"))!.json as Json;
    const info = normalizeLeenAlert(guardDuty).finding_info;
    assert.equal(info.created_time, Date.parse(guardDuty.finding_info.created_time_dt));
    assert.equal(info.first_seen_time, Date.parse(guardDuty.finding_info.first_seen_time_dt));
    assert.equal(info.last_seen_time, Date.parse(guardDuty.finding_info.last_seen_time_dt));
    assert.equal(info.modified_time, Date.parse(guardDuty.finding_info.modified_time_dt));
  });

  testReferenceValidatorAgrees(() => findings);
});

describe("Leen's looser values", () => {
  const base = {
    activity_id: 1,
    class_uid: 2004,
    finding_info: { uid: "f-1", title: "Impossible travel" },
    metadata: { product: { name: "Okta" }, version: "1.1.0" },
    time: "1723564700",
  };

  test("severity captions in any case give the same id; message null is no message", () => {
    for (const caption of ["High", "HIGH", "high"]) {
      const finding = normalizeLeenAlert({ ...base, severity: caption, message: null }) as Json;
      assert.deepEqual([finding.severity_id, finding.severity], [4, "High"], caption);
      assert.equal("message" in finding, false);
      assert.equal(finding.unmapped?.message, undefined);
      assert.deepEqual(validator.validate(finding).errors, []);
    }
  });

  test("string booleans and integers, blanks, zone-less times, fields never seen", () => {
    const finding = normalizeLeenAlert({
      ...base,
      severity_id: "3",
      count: "2",
      is_alert: "True",
      start_time: "2024-08-13T15:58:20",
      end_time: "",
      never_seen: { a: 1 },
      evidences: [{ src_endpoint: { ip: "10.0.0.1", port: "443" }, user: { name: "ann", has_mfa: "False" } }],
    }) as Json;
    assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
    assert.deepEqual([finding.severity_id, finding.count, finding.is_alert], [3, 2, true]);
    assert.equal(finding.time, 1_723_564_700_000);
    assert.equal(finding.start_time, Date.UTC(2024, 7, 13, 15, 58, 20));
    assert.equal(finding.evidences[0].src_endpoint.port, 443);
    assert.equal(finding.evidences[0].user.has_mfa, false);
    // Only time_dt: it stands for time.
    const { time: _, ...noTime } = base;
    assert.equal(
      normalizeLeenAlert({ ...noTime, time_dt: "2024-08-13T15:58:20.000Z" }).time,
      1_723_564_700_000,
    );
    assert.deepEqual(finding.unmapped.never_seen, { a: 1 });
  });
});
