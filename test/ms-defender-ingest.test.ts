import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { msDefender } from "../src/connectors/ms-defender/connector.ts";
import { vendor } from "../src/connectors/ms-defender/index.ts";
import { startDefenderSimulator } from "../src/connectors/ms-defender/simulator.ts";
import { type ConnectorClient, createClient } from "../src/connectors/sdk/index.ts";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { pollSource } from "../src/ingest/poll-source.ts";
import { createOcsfValidator } from "../src/ocsf/validator.ts";
import { AlertStore } from "../src/store/alerts.ts";
import { type Database, openDatabase } from "../src/store/database.ts";
import { SqlIngestStore } from "../src/store/ingest-store.ts";
import { SourceStore } from "../src/store/sources.ts";

const START = Date.parse("2025-06-02T09:30:00Z");

describe("ingesting Defender alerts into the alert store", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  let database: Database;
  let dataDir: string;
  let clock = START;

  before(async () => {
    sim = await startDefenderSimulator({ seed: 9, now: () => clock });
    client = createClient(msDefender, sim.config, { resilience: { initialDelayMs: 5, maxDelayMs: 20 } });
    dataDir = mkdtempSync(join(tmpdir(), "rampart-defender-ingest-"));
    database = await openDatabase({ dataDir });
    await new SourceStore(database.db).add({
      name: "defender",
      connection: "defender",
      connector: "ms-defender",
      intervalMs: 60_000,
    });
  });
  after(async () => {
    await client.close();
    await sim.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const pollOnce = async () => {
    const source = (await new SourceStore(database.db).get("defender"))!;
    const report = await pollSource(
      { store: new SqlIngestStore(database.db) },
      source,
      vendor.alertSource!,
      client,
    );
    assert.equal(report.error, undefined, report.error?.message);
    return report;
  };

  test("every alert once, then nothing new, then exactly the new and the triaged ones", async () => {
    const first = await pollOnce();
    assert.deepEqual([first.new, first.updated, first.unchanged, first.pages], [120, 0, 0, 1]);

    // The alerts of the checkpoint's millisecond come back and are recognised as unchanged.
    const second = await pollOnce();
    assert.equal(second.new + second.updated, 0);
    assert.ok(second.unchanged >= 1);

    clock = START + 2 * 86_400_000;
    const generated = (await (
      await fetch(`${sim.url}/__sim/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"count":7}',
      })
    ).json()) as { generated: string[] };
    clock += 1000;
    const stored = await new AlertStore(database.db).list({ limit: 1000 });
    const checkpoint = (await new SourceStore(database.db).get("defender"))!.checkpoint as {
      lastUpdateTime: string;
    };
    const modified = (a: (typeof stored)[number]) =>
      (a.ocsf.finding_info as { modified_time: number }).modified_time;
    // An open alert from before the checkpoint's millisecond, so the boundary ones stay untouched.
    const open = stored.find((a) => a.statusId === 1 && modified(a) < Date.parse(checkpoint.lastUpdateTime))!;
    await client.call("updateAlert", {
      id: open.vendorId,
      status: "Resolved",
      classification: "FalsePositive",
    });

    const third = await pollOnce();
    assert.deepEqual([third.new, third.updated], [7, 1]);
    assert.equal(third.unchanged, second.unchanged);

    const all = await new AlertStore(database.db).list({ limit: 1000 });
    assert.equal(all.length, 127);
    assert.deepEqual(
      new Set(all.filter((a) => generated.generated.includes(a.vendorId)).map((a) => a.vendorId)),
      new Set(generated.generated),
    );
    const resolved = all.find((a) => a.vendorId === open.vendorId)!;
    assert.equal(resolved.statusId, 4);
    assert.equal(resolved.version, 2);
    assert.equal((resolved.ocsf as { verdict_id?: number }).verdict_id, 1);

    const validator = createOcsfValidator({ strict: true });
    for (const alert of all) {
      const { errors, warnings } = validator.validate(alert.ocsf);
      assert.deepEqual([...errors, ...warnings], [], alert.vendorId);
    }
  });
});
