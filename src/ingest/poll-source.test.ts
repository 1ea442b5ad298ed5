import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createClient } from "../connectors/sdk/index.ts";
import type { Simulator } from "../connectors/sdk/sim/server.ts";
import { vendor } from "../connectors/thinkst-canary/index.ts";
import type { StoredAlert } from "../store/alerts.ts";
import { openDatabase } from "../store/database.ts";
import { SqlIngestStore } from "../store/ingest-store.ts";
import { SourceStore } from "../store/sources.ts";
import { NormalizePool } from "./normalize-pool.ts";
import { pollSource } from "./poll-source.ts";

let sim: Simulator;
before(async () => {
  sim = await vendor.startSimulator!({ seed: 3 });
  // About 1,300 incidents: pages of 500, large enough to be normalized in a worker.
  const res = await fetch(`${sim.url}/__sim/generate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ count: 1240 }),
  });
  assert.equal(res.ok, true);
  await res.arrayBuffer();
});
after(() => sim.close());

/** Polls the simulator once into a fresh database; the stored rows and the alerts the hook saw. */
async function pollInto(normalizer: NormalizePool | undefined) {
  const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "rampart-poll-source-")) });
  const client = createClient(vendor.connector, sim.config);
  try {
    const sources = new SourceStore(database.db);
    await sources.add({
      name: "canary",
      connection: "canary",
      connector: "thinkst-canary",
      intervalMs: 60_000,
    });
    const created: StoredAlert[] = [];
    const report = await pollSource(
      {
        store: new SqlIngestStore(database.db),
        normalizer,
        triggers: async (alerts) => {
          created.push(...alerts);
          return [];
        },
      },
      (await sources.get("canary"))!,
      vendor.alertSource!,
      client,
    );
    const rows = await database.db
      .selectFrom("alerts")
      .select(["vendor_id", "content_hash", "title", "severity_id", "status_id", "time", "ocsf"])
      .orderBy("vendor_id")
      .execute();
    return { report, rows, created };
  } finally {
    await client.close();
    await database.close();
  }
}

test("pages normalized in a worker are stored exactly as those normalized on the polling thread", async () => {
  const pool = new NormalizePool(1);
  await pool.start();
  try {
    const [here, offloaded] = [await pollInto(undefined), await pollInto(pool)];
    assert.equal(offloaded.report.error, undefined);
    assert.ok(offloaded.report.pages > 1 && offloaded.report.new > 1000);
    assert.deepEqual(offloaded.rows, here.rows);
    // The hook reads each new alert's finding, parsed from the stored text on first use.
    const byId = new Map(here.created.map((a) => [a.vendorId, a.ocsf]));
    assert.equal(offloaded.created.length, here.created.length);
    assert.ok(Object.getOwnPropertyDescriptor(offloaded.created[0], "ocsf")?.get, "normalized in the worker");
    for (const alert of offloaded.created) assert.deepEqual(alert.ocsf, byId.get(alert.vendorId));
  } finally {
    await pool.close();
  }
});

test("a pool that cannot work leaves normalization to the polling thread", async () => {
  const pool = new NormalizePool(1);
  await pool.start();
  await pool.close(); // its thread is gone: every page is refused and normalized here instead
  const here = await pollInto(undefined);
  const fallback = await pollInto(pool);
  assert.equal(fallback.report.error, undefined);
  assert.deepEqual(fallback.rows, here.rows);
});
