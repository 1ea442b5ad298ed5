import assert from "node:assert/strict";
import { isIP } from "node:net";
import { describe, test } from "node:test";
import { createOcsfValidator, type DetectionFinding } from "../../ocsf/index.ts";
import { realPayloads, testReferenceValidatorAgrees } from "../../ocsf/testing.ts";
import { type IronDefenseAlert, type IronDefenseEvent, normalizeIronDefenseAlert } from "./normalize.ts";
import { ironDefenseAlertSource } from "./source.ts";

// Real IronAPI replies (../shared/real-payloads/irondefense, see its SOURCES.md). No raw alert
// record is public: what is, is a GetEvent reply (an event of a DNS tunneling alert, protobuf-JSON
// with its int64 fields as strings) and IronDome and context-table replies, which are no alert
// input. The envelopes are hand-written XSOAR test stubs, kept for their shapes.

type Json = Record<string, any>;
const records = realPayloads("irondefense");
const envelopes = realPayloads("irondefense", "envelopes");
const validator = createOcsfValidator({ strict: true });

/** Why each real record that is not an alert source's input is not normalized. */
const NOT_ALERTS: Record<string, string> = {
  "02-getalertirondomeinformation-response.json": "IronDome correlations of an alert, not an alert",
  "03-dome-notification-joined-high-risk.json":
    "an IronDome notification: it names alert ids, the source fetches them",
  "04-event-context-table-enterprise-ips.json": "a context table of GetEvent, which the source does not call",
  "05-event-context-table-summary-key-value.json":
    "a context table of GetEvent, which the source does not call",
};

/** An event's alert as far as the event tells it: the alert it belongs to, its analytic and score. */
function alertOf(event: Json): IronDefenseAlert {
  const { alert_id, category, sub_category, severity } = event;
  return { id: alert_id, category, sub_category, severity } as unknown as IronDefenseAlert;
}

describe("every real IronDefense alert input normalizes to a valid OCSF 1.8.0 Detection Finding", {
  skip: records.skip,
}, () => {
  const findings: DetectionFinding[] = [];

  test("every real record is either an alert input or known not to be one", () => {
    for (const { file, json } of records.payloads) {
      assert.ok(
        NOT_ALERTS[file] !== undefined || (json as Json).event !== undefined,
        `${file} is unaccounted for`,
      );
    }
  });

  for (const { file, json } of records.payloads.filter((p) => (p.json as Json).event !== undefined)) {
    test(`${file}: the event with its alert`, () => {
      const event = (json as Json).event as Json;
      const record = { alert: alertOf(event), events: [event as IronDefenseEvent] };
      const finding = ironDefenseAlertSource.normalize(record) as DetectionFinding;
      findings.push(finding);
      assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
      assert.equal(ironDefenseAlertSource.alertId(record), event.alert_id);
      const values = (typeId: number) =>
        new Set((finding.observables ?? []).filter((o) => o.type_id === typeId).map((o) => o.value));
      for (const ip of [event.src_ip, event.dst_ip].filter((v) => isIP(v) !== 0))
        assert.ok(values(2).has(ip), `IP ${ip}`);
      for (const domain of event.app_domains) assert.ok(values(1).has(domain), `domain ${domain}`);
      // protobuf-JSON int64 as strings: the port is read, the byte counts stay as sent.
      assert.equal(typeof event.dst_port, "string");
      const evidence = (finding.evidences ?? [])[0] as Json;
      assert.equal(evidence.dst_endpoint.port, Number(event.dst_port));
      assert.equal(evidence.data.bytes_in, event.bytes_in);
      assert.equal(finding.finding_info.first_seen_time, Date.parse(event.start_time));
      assert.equal(finding.finding_info.last_seen_time, Date.parse(event.end_time));
      assert.equal(finding.severity_id, 5);
      assert.equal(finding.confidence_score, 100);
    });
  }

  testReferenceValidatorAgrees(() => findings);
});

describe("IronDefense's stub envelopes: their alerts normalize as far as they go", {
  skip: envelopes.skip,
}, () => {
  test("GetAlerts stub alerts (id, category and sub-category only) normalize to valid findings", () => {
    const stub = envelopes.payloads.find((p) => p.file.endsWith("GetAlerts.json"));
    assert.ok(stub);
    for (const alert of (stub.json as Json).alerts as Json[]) {
      const finding = normalizeIronDefenseAlert(alert as IronDefenseAlert);
      assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] }, alert.id);
      assert.equal(finding.finding_info.uid, alert.id);
    }
  });

  test("a notification's alert carries no id: it cannot be mapped, and says so", () => {
    const stub = envelopes.payloads.find((p) => p.file.endsWith("GetAlertNotifications.json"));
    assert.ok(stub);
    for (const { alert } of (stub.json as Json).alert_notifications as Json[]) {
      assert.throws(() => normalizeIronDefenseAlert(alert as IronDefenseAlert), {
        name: "ValidationError",
        message: /has no id/,
      });
    }
  });
});

test("protobuf-JSON shapes: int64 as strings, blank and null values, fields never seen", () => {
  const finding = normalizeIronDefenseAlert(
    {
      id: "a1",
      category: "C2",
      sub_category: "DNS_TUNNELING",
      severity: "720",
      status: "STATUS_AWAITING_REVIEW",
      created: "2020-02-04T21:13:50.257133Z",
      updated: "2020-02-04T21:13:50.257133Z",
      event_count: "3",
      first_event_start_time: "",
      last_event_end_time: null,
      vue_url: "",
      brand_new: { total: "1014890" },
    } as unknown as IronDefenseAlert,
    [
      {
        id: "e1",
        src_ip: "172.31.128.2",
        dst_ip: "200.200.200.79",
        dst_port: "53",
        confidence: "0.8",
        primary_app_protocol: "DNS",
        app_domains: ["windowsdefender.win"],
        bytes_in: "312",
        start_time: "2019-07-09T03:16:11",
        end_time: "2019-07-09T03:58:30.000Z",
      } as unknown as IronDefenseEvent,
    ],
  ) as Json;
  assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
  assert.deepEqual([finding.severity_id, finding.risk_score, finding.count], [4, 720, 3]);
  assert.equal(finding.confidence_score, 80);
  assert.equal(finding.time, Date.UTC(2020, 1, 4, 21, 13, 50, 257));
  assert.equal(finding.start_time, Date.UTC(2019, 6, 9, 3, 16, 11));
  assert.equal(finding.evidences[0].dst_endpoint.port, 53);
  assert.deepEqual(finding.unmapped, { brand_new: { total: "1014890" } });
});
