import assert from "node:assert/strict";
import { isIP } from "node:net";
import { describe, test } from "node:test";
import { createOcsfValidator, type DetectionFinding } from "../../ocsf/index.ts";
import { realPayloads, testReferenceValidatorAgrees } from "../../ocsf/testing.ts";
import { type DefenderAlert, normalizeDefenderAlert } from "./normalize.ts";

// Real Defender for Endpoint alerts (../shared/real-payloads/ms-defender, see its SOURCES.md):
// 2021 alerts with the null-filled evidence of `$expand=evidence`, a 2020 alert with the older
// evidence schema and no mitreTechniques, and 2019 alerts of a tenant with legacy fields
// (alertUser, alertIps…) and `"category": "null"`. The 2018 resource example is published as
// invalid JSON (*.published.txt) and is not read.

type Json = Record<string, any>;
const records = realPayloads("ms-defender");
const envelopes = realPayloads("ms-defender", "envelopes");
const validator = createOcsfValidator({ strict: true });

/** The addresses, host names and users an alert holds: its machine, its evidence, its related user. */
function heldBy(alert: Json) {
  const evidence: Json[] = Array.isArray(alert.evidence) ? alert.evidence : [];
  const ips = new Set(
    [
      ...evidence.map((e) => e.ipAddress),
      ...(alert.alertIps ?? []).map((i: Json) => i?.ipAddress ?? i),
    ].filter((v) => typeof v === "string" && isIP(v) !== 0),
  );
  const hosts = new Set([alert.computerDnsName].filter((v) => typeof v === "string" && v !== ""));
  const users = new Set(
    [alert.relatedUser?.userName, ...evidence.map((e) => e.accountName)].filter(
      (v) => typeof v === "string" && v !== "",
    ),
  );
  return { ips, hosts, users };
}

/** Every real alert: the records, and the alerts of the real listing envelope. */
const alerts = [
  ...records.payloads.map(({ file, json }) => ({ file, alert: json as Json })),
  ...envelopes.payloads.flatMap(({ file, json }) =>
    ((json as Json).value as Json[]).map((alert, i) => ({ file: `envelopes/${file} value[${i}]`, alert })),
  ),
];

describe("every real Defender alert normalizes to a valid OCSF 1.8.0 Detection Finding", {
  skip: records.skip,
}, () => {
  const findings: DetectionFinding[] = [];
  for (const { file, alert } of alerts) {
    test(file, () => {
      const finding = normalizeDefenderAlert(alert as DefenderAlert);
      findings.push(finding);
      assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
      assert.equal(finding.finding_info.uid, alert.id);
      assert.equal(finding.time, Date.parse(alert.alertCreationTime));
      assert.deepEqual(JSON.parse(finding.raw_data!), alert);
      const values = (typeId: number) =>
        new Set((finding.observables ?? []).filter((o) => o.type_id === typeId).map((o) => o.value));
      const held = heldBy(alert);
      for (const ip of held.ips) assert.ok(values(2).has(ip), `${file}: IP ${ip}`);
      for (const host of held.hosts) assert.ok(values(1).has(host), `${file}: host ${host}`);
      for (const user of held.users) assert.ok(values(4).has(user), `${file}: user ${user}`);
      // "null" as a string is how older tenants say "no category": no type, no tactic from it.
      if (alert.category === "null") {
        assert.equal(finding.finding_info.types, undefined);
        assert.equal(finding.finding_info.attacks, undefined);
      }
    });
  }

  test("the sample covers what real tenants omit: mitreTechniques, investigationId, computerDnsName", () => {
    assert.ok(alerts.length >= 9, `${alerts.length} alerts`);
    assert.ok(alerts.some(({ alert }) => !("mitreTechniques" in alert)));
    assert.ok(alerts.some(({ alert }) => !("computerDnsName" in alert)));
    assert.ok(alerts.some(({ alert }) => alert.investigationId === null || !("investigationId" in alert)));
    assert.ok(alerts.some(({ alert }) => alert.category === "null"));
  });

  testReferenceValidatorAgrees(() => findings);
});
