import assert from "node:assert/strict";
import { isIP } from "node:net";
import { describe, test } from "node:test";
import { createOcsfValidator, type DetectionFinding } from "../../ocsf/index.ts";
import { realPayloads, testReferenceValidatorAgrees } from "../../ocsf/testing.ts";
import { schemas } from "../sdk/schema.ts";
import { thinkstCanary } from "./connector.ts";
import { normalizeCanaryIncident } from "./normalize.ts";
import { canaryAlertSource } from "./source.ts";

// Real records published by Thinkst (../shared/real-payloads/thinkst-canary, see its SOURCES.md):
// listing entries of every incident feed, a search item, a history item and a fetched incident.
// Documentation placeholders (`<source_ip>`) stand where a console has addresses; the tests
// expect what a record does hold and nothing it does not.

type Json = Record<string, any>;
const records = realPayloads("thinkst-canary");
const envelopes = realPayloads("thinkst-canary", "envelopes");
const validator = createOcsfValidator({ strict: true });

const DNS_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const flatOf = (record: Json): Json =>
  typeof record.description === "object" && record.description !== null ? record.description : record;

/** The addresses, host names and users a record holds, read by hand from every place Canary puts them. */
function heldBy(record: Json) {
  const flat = flatOf(record);
  const events: Json[] = flat.events ?? flat.logdata ?? [];
  const host: Json = flat.host ?? {};
  const named = events.flatMap((e) => [e.HOSTNAME, e.headers?.Host]);
  const candidates = [
    flat.src_host,
    flat.dst_host,
    flat.ip_address,
    host.ip_address,
    ...events.map((e) => e.src_host),
    ...named,
  ];
  const ips = new Set(candidates.filter((v) => typeof v === "string" && isIP(v) !== 0));
  const hosts = new Set(
    [flat.name, host.name, flat.src_host_reverse, ...named].filter(
      (v) => typeof v === "string" && v !== "N/A" && isIP(v) === 0 && DNS_NAME.test(v),
    ),
  );
  const users = new Set(
    events.map((e) => e.USERNAME ?? e.USER).filter((v) => typeof v === "string" && v !== ""),
  );
  return { ips, hosts, users };
}

const outputOf = (operation: string) => thinkstCanary.operations.find((op) => op.name === operation)!.output;

describe("every real Canary record normalizes to a valid OCSF 1.8.0 Detection Finding", {
  skip: records.skip,
}, () => {
  const findings: DetectionFinding[] = [];
  for (const { file, json } of records.payloads) {
    test(file, () => {
      const record = json as Json;
      const finding = normalizeCanaryIncident(record);
      findings.push(finding);
      assert.deepEqual(validator.validate(finding), { valid: true, errors: [], warnings: [] });
      assert.equal(finding.class_uid, 2004);
      // The key: a listing entry's id, a fetched incident's id, a search or history item's key.
      assert.equal(finding.finding_info.uid, record.id ?? record.key);
      assert.equal(finding.time, Number(flatOf(record).created) * 1000);
      assert.deepEqual(JSON.parse(finding.raw_data!), record);
      const values = (...typeIds: number[]) =>
        new Set((finding.observables ?? []).filter((o) => typeIds.includes(o.type_id)).map((o) => o.value));
      const held = heldBy(record);
      for (const ip of held.ips) assert.ok(values(2).has(ip), `${file}: IP ${ip} is no observable`);
      for (const host of held.hosts) assert.ok(values(1).has(host), `${file}: host ${host} is no observable`);
      for (const user of held.users) assert.ok(values(4).has(user), `${file}: user ${user} is no observable`);
    });
  }

  test("the records hold the addresses the mapping must find: the Canary's own, a web login's Host", () => {
    const all = records.payloads.map(({ json }) => heldBy(json as Json));
    assert.ok(
      all.some((h) => h.ips.has("192.168.1.2")),
      "ip_address of the Canary",
    );
    assert.ok(
      all.some((h) => h.ips.has("192.168.0.73")),
      "HOSTNAME of a web login",
    );
    assert.ok(all.some((h) => h.hosts.has("ExampleBird")));
  });

  testReferenceValidatorAgrees(() => findings);
});

describe("real Canary replies match the connector's output schemas", { skip: envelopes.skip }, () => {
  const feeds: Record<string, string> = {
    "acknowledged-limit1.json": "listAcknowledgedIncidents",
    "all-limit1.json": "listAllIncidents",
    "unacknowledged-limit1.json": "listUnacknowledgedIncidents",
    "unacknowledged-page-5-incidents.json": "listUnacknowledgedIncidents",
  };
  const actions: Record<string, string> = {
    "action-acknowledged.json": "acknowledgeIncident",
    "action-unacknowledged.json": "unacknowledgeIncident",
    "action-deleted.json": "deleteIncident",
    "action-acknowledged-bulk.json": "acknowledgeIncidents",
    "action-unacknowledged-bulk.json": "unacknowledgeIncidents",
    "action-deleted-bulk.json": "deleteIncidents",
  };

  for (const { file, json } of envelopes.payloads) {
    const operation = feeds[file] ?? actions[file];
    // search-limit1.json is the reply of incidents/search, which the connector does not call.
    if (!operation) continue;
    test(`${file} is a valid ${operation} reply`, () => {
      schemas.assert(outputOf(operation), structuredClone(json), "output");
    });
  }

  test("every listing envelope's entries are keyed by the entry's id, and none's flat incident has one", () => {
    let entries = 0;
    for (const { file, json } of envelopes.payloads.filter((p) => feeds[p.file])) {
      for (const entry of (json as Json).incidents as Json[]) {
        entries++;
        assert.equal("id" in entry.description, false, file);
        assert.equal(canaryAlertSource.alertId(entry), entry.id);
        assert.equal(normalizeCanaryIncident(entry as never).finding_info.uid, entry.id);
      }
    }
    assert.equal(entries, 8);
  });

  test("a fetched incident (its key in id) is a valid fetchIncident reply", () => {
    const fetched = records.payloads.find((p) => p.file.startsWith("10-fetch"));
    assert.ok(fetched, "10-fetch-telnet-6001.json");
    schemas.assert(
      outputOf("fetchIncident"),
      { incident: structuredClone(fetched.json), result: "success" },
      "output",
    );
  });

  test("the last page of a cursor walk (incidents: null, as Elastic's client of the real API tolerates) is valid", () => {
    const last = {
      cursor: { next: null, next_link: null, prev: "MTE6MTA6MTQ0OjE6MjowOjI6NQ==", prev_link: null },
      feed: "All Incidents",
      incidents: null,
      result: "success",
      updated: "Tue, 07 Apr 2020 08:53:43 GMT",
      updated_std: "2020-04-07 08:53:43 UTC+0000",
      updated_timestamp: 1586249623,
    };
    schemas.assert(outputOf("listAllIncidents"), last, "output");
  });
});
