import assert from "node:assert/strict";
import { test } from "node:test";
import {
  detectionFinding,
  observable,
  observableList,
  rawData,
  severity,
  severityIdFromName,
  status,
} from "./detection-finding.ts";
import { createOcsfValidator } from "./validator.ts";

const validator = createOcsfValidator({ strict: true });

test("detectionFinding builds a skeleton that is a valid Detection Finding on its own", () => {
  const finding = detectionFinding({
    activity_id: 3,
    time: 1_718_000_000_000,
    severity_id: 5,
    status_id: 4,
    product: { name: "Example EDR", vendor_name: "Example Corp" },
    finding_info: { uid: "det-1", title: "Credential dumping" },
  });
  assert.equal(finding.class_uid, 2004);
  assert.equal(finding.category_uid, 2);
  assert.equal(finding.type_uid, 200403);
  assert.equal(finding.type_name, "Detection Finding: Close");
  assert.equal(finding.severity, "Critical");
  assert.equal(finding.status, "Resolved");
  assert.deepEqual(finding.metadata, {
    version: "1.8.0",
    product: { name: "Example EDR", vendor_name: "Example Corp" },
  });
  assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
});

test("detectionFinding declares profiles only when asked, and leaves status out when not given", () => {
  const finding = detectionFinding({
    activity_id: 1,
    time: 1,
    severity_id: 0,
    product: { name: "x" },
    finding_info: { uid: "u" },
    profiles: ["host"],
  });
  assert.deepEqual(finding.metadata.profiles, ["host"]);
  assert.equal("status_id" in finding, false);
  assert.equal("status" in finding, false);
});

test("observable carries the OCSF type caption; observableList keeps one entry per type and value", () => {
  assert.deepEqual(observable("device.ip", 2, "10.0.0.5"), {
    name: "device.ip",
    type_id: 2,
    type: "IP Address",
    value: "10.0.0.5",
  });
  const list = observableList();
  list.add("device.ip", 2, "10.0.0.5");
  list.add("evidences[0].dst_endpoint.ip", 2, "10.0.0.5");
  list.add("device.hostname", 1, "10.0.0.5");
  list.add("actor.user.name", 4, undefined);
  list.add("actor.user.name", 4, "");
  assert.deepEqual(
    list.items.map((o) => [o.name, o.type_id]),
    [
      ["device.ip", 2],
      ["device.hostname", 1],
    ],
  );
});

test("severity and status helpers pair ids with captions; vendor words map case-insensitively", () => {
  assert.deepEqual(severity(4), { severity_id: 4, severity: "High" });
  assert.deepEqual(status(2), { status_id: 2, status: "In Progress" });
  assert.equal(severityIdFromName("HIGH"), 4);
  assert.equal(severityIdFromName("Informational"), 1);
  assert.equal(severityIdFromName("moderate"), 3);
  assert.equal(severityIdFromName("sev-1"), 99);
  assert.equal(severityIdFromName(""), 0);
  assert.equal(severityIdFromName(undefined), 0);
  assert.equal(severityIdFromName("constructor"), 99);
  assert.equal(severityIdFromName("High"), 4);
});

test("rawData keeps the original record as a JSON string", () => {
  const original = { id: "a", n: [1, 2], nested: { ok: true } };
  assert.deepEqual(JSON.parse(rawData(original)), original);
});
