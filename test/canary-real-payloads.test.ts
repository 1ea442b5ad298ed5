import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type ConnectorClient, createClient } from "../src/connectors/sdk/index.ts";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { vendor } from "../src/connectors/thinkst-canary/index.ts";
import { normalizeCanaryIncident } from "../src/connectors/thinkst-canary/normalize.ts";
import { pollSource } from "../src/ingest/poll-source.ts";
import { realPayloads } from "../src/ocsf/testing.ts";
import { createOcsfValidator } from "../src/ocsf/validator.ts";
import { AlertStore } from "../src/store/alerts.ts";
import { type Database, openDatabase } from "../src/store/database.ts";
import { SqlIngestStore } from "../src/store/ingest-store.ts";
import { SourceStore } from "../src/store/sources.ts";

// Real listing entries of a Canary console (../shared/real-payloads/thinkst-canary) served by the
// simulator through the real listing endpoints, then ingested by the real source into SQLite.

type Json = Record<string, any>;
const records = realPayloads("thinkst-canary");
/** Listing entries: the flat incident sits under `description`. */
const entries = records.payloads.filter(({ json }) => typeof (json as Json).description === "object");

async function load(sim: Simulator, incidents: unknown[], replace = true): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/incidents`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ incidents, replace }),
  });
  assert.equal(res.status, 200, await res.text());
}

describe("real Canary listing entries, served by the simulator and ingested", { skip: records.skip }, () => {
  let sim: Simulator;
  let client: ConnectorClient;
  let database: Database;
  const validator = createOcsfValidator({ strict: true });

  before(async () => {
    sim = await vendor.startSimulator!({ seed: 9 });
    client = createClient(vendor.connector, sim.config);
    database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "rampart-canary-real-")) });
  });
  after(async () => {
    await client.close();
    await sim.close();
    await database.close();
  });

  test("there are real listing entries of every feed to serve", () => {
    assert.equal(entries.length, 7);
    const acknowledged = entries.filter(({ json }) => (json as Json).description.acknowledged === "True");
    assert.equal(acknowledged.length, 1);
  });

  // Documentation examples share placeholder keys (`<node_id>`), which no console could hold at
  // once: each entry is served by a console of its own and ingested by a source of its own.
  for (const [n, { file, json }] of entries.entries()) {
    test(`${file}: served unchanged by its feeds, ingested, normalized, valid OCSF`, async () => {
      const entry = json as Json;
      await load(sim, [entry]);
      const acknowledged = entry.description.acknowledged === "True";
      const feed = async (operation: string) =>
        (await client.call<{ incidents: Json[] }>(operation)).output.incidents;
      assert.deepEqual(await feed("listAllIncidents"), [entry]);
      assert.deepEqual(await feed("listAcknowledgedIncidents"), acknowledged ? [entry] : []);
      assert.deepEqual(await feed("listUnacknowledgedIncidents"), acknowledged ? [] : [entry]);
      const fetched = (await client.call<{ incident: Json }>("fetchIncident", { incident: entry.id })).output;
      assert.deepEqual(fetched.incident, { ...entry.description, id: entry.id });

      const sources = new SourceStore(database.db);
      const name = `real-${n}`;
      await sources.add({ name, connection: name, connector: "thinkst-canary", intervalMs: 60_000 });
      const report = await pollSource(
        { store: new SqlIngestStore(database.db) },
        (await sources.get(name))!,
        vendor.alertSource!,
        client,
      );
      assert.equal(report.error, undefined);
      assert.deepEqual([report.new, report.rejected], [1, 0]);
      assert.deepEqual((await sources.get(name))!.checkpoint, { max_updated_id: entry.updated_id });
      const [alert] = await new AlertStore(database.db).list({ source: name });
      assert.equal(alert!.vendorId, entry.id);
      assert.deepEqual(alert!.ocsf, normalizeCanaryIncident(entry as never));
      assert.deepEqual(JSON.parse(String(alert!.ocsf.raw_data)), entry);
      assert.deepEqual(validator.validate(alert!.ocsf), { valid: true, errors: [], warnings: [] });
    });
  }

  test("every real entry was ingested once", async () => {
    assert.equal(await new AlertStore(database.db).count(), entries.length);
  });

  test("a cursor walk that ends on an empty page (incidents: null) is read to its end", async () => {
    // Two entries with distinct keys, one page each: the second page hands out a cursor to an empty third.
    const [a, b] = entries.filter(
      ({ json }, i, all) => all.findIndex((x) => (x.json as Json).id === (json as Json).id) === i,
    );
    await load(sim, [a!.json, b!.json]);
    const pages: Json[] = [];
    for await (const page of client.pages("listAllIncidents", { limit: 1 })) pages.push(page as Json);
    assert.deepEqual(
      pages.map((p) => p.incidents?.length ?? null),
      [1, 1, null],
    );
    assert.equal(pages[2]!.cursor.next, null);
    assert.equal("max_updated_id" in pages[2]!, false);
  });
});

test("the source reads a poll whose last page is empty (incidents: null) without failing", async () => {
  const sim = await vendor.startSimulator!({ seed: 10 });
  const client = createClient(vendor.connector, sim.config);
  const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "rampart-canary-null-")) });
  try {
    // 60 seeded + 440: exactly one full page of 500, then the empty one.
    await fetch(`${sim.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"count":440}',
    });
    const sources = new SourceStore(database.db);
    await sources.add({
      name: "canary",
      connection: "canary",
      connector: "thinkst-canary",
      intervalMs: 60_000,
    });
    const report = await pollSource(
      { store: new SqlIngestStore(database.db) },
      (await sources.get("canary"))!,
      vendor.alertSource!,
      client,
    );
    assert.equal(report.error, undefined);
    assert.deepEqual([report.pages, report.new], [2, 500]);
    assert.deepEqual((await sources.get("canary"))!.checkpoint, { max_updated_id: 500 });
  } finally {
    await client.close();
    await sim.close();
    await database.close();
  }
});
