import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DATABASES, type DatabaseKind, openFreshDatabase } from "../../test/support/databases.ts";
import { createClient } from "../connectors/sdk/index.ts";
import type { Simulator } from "../connectors/sdk/sim/server.ts";
import { vendor } from "../connectors/thinkst-canary/index.ts";
import type { StoredAlert } from "../store/alerts.ts";
import { IngestRejectStore } from "../store/ingest-rejects.ts";
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
async function pollInto(kind: DatabaseKind, normalizer: NormalizePool | undefined) {
  const database = await openFreshDatabase(kind, mkdtempSync(join(tmpdir(), "rampart-poll-source-")));
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

for (const kind of DATABASES)
  describe(`polling a source into the store (${kind.name})`, { skip: kind.skip }, () => {
    test("pages normalized in a worker are stored exactly as those normalized on the polling thread", async () => {
      const pool = new NormalizePool(1);
      await pool.start();
      try {
        const [here, offloaded] = [await pollInto(kind, undefined), await pollInto(kind, pool)];
        assert.equal(offloaded.report.error, undefined);
        assert.ok(offloaded.report.pages > 1 && offloaded.report.new > 1000);
        assert.deepEqual(offloaded.rows, here.rows);
        // The hook reads each new alert's finding, parsed from the stored text on first use.
        const byId = new Map(here.created.map((a) => [a.vendorId, a.ocsf]));
        assert.equal(offloaded.created.length, here.created.length);
        assert.ok(
          Object.getOwnPropertyDescriptor(offloaded.created[0], "ocsf")?.get,
          "normalized in the worker",
        );
        for (const alert of offloaded.created) assert.deepEqual(alert.ocsf, byId.get(alert.vendorId));
      } finally {
        await pool.close();
      }
    });

    test("a pool that cannot work leaves normalization to the polling thread", async () => {
      const pool = new NormalizePool(1);
      await pool.start();
      await pool.close(); // its thread is gone: every page is refused and normalized here instead
      const here = await pollInto(kind, undefined);
      const fallback = await pollInto(kind, pool);
      assert.equal(fallback.report.error, undefined);
      assert.deepEqual(fallback.rows, here.rows);
    });

    describe("one record that cannot be mapped never blocks its source", () => {
      let odd: Simulator;
      /** A listing entry whose key is blank: nothing says which incident it is, so it cannot be stored as one. */
      const malformed = {
        id: "   ",
        description: {
          acknowledged: "False",
          created: "1586249623",
          description: "SSH Login Attempt",
          logtype: "4002",
        },
        summary: "SSH Login Attempt",
        updated_time: "1586249623",
      };
      before(async () => {
        odd = await vendor.startSimulator!({ seed: 4 });
        const post = async (path: string, body: unknown) => {
          const res = await fetch(`${odd.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          assert.equal(res.ok, true, await res.text());
        };
        // 60 seeded + 1240, the malformed one, then 100 more: it sits inside the third page of 500.
        await post("/__sim/generate", { count: 1240 });
        await post("/__sim/incidents", { incidents: [malformed] });
        await post("/__sim/generate", { count: 100 });
      });
      after(() => odd.close());

      for (const path of ["the polling thread", "a worker thread"]) {
        test(`normalized on ${path}: the page is stored, the record kept raw and counted, the checkpoint moves on`, async () => {
          const pool = path === "a worker thread" ? new NormalizePool(1) : undefined;
          await pool?.start();
          let offloadedPages = 0;
          if (pool) {
            const normalize = pool.normalize.bind(pool);
            pool.normalize = (source, alerts) => {
              const page = normalize(source, alerts);
              if (page) offloadedPages++;
              return page;
            };
          }
          const database = await openFreshDatabase(kind, mkdtempSync(join(tmpdir(), "rampart-rejects-")));
          const client = createClient(vendor.connector, odd.config);
          try {
            const sources = new SourceStore(database.db);
            await sources.add({
              name: "canary",
              connection: "canary",
              connector: "thinkst-canary",
              intervalMs: 60_000,
            });
            const created: StoredAlert[] = [];
            const poll = () =>
              sources.get("canary").then((source) =>
                pollSource(
                  {
                    store: new SqlIngestStore(database.db),
                    normalizer: pool,
                    triggers: async (alerts) => {
                      created.push(...alerts);
                      return [];
                    },
                  },
                  source!,
                  vendor.alertSource!,
                  client,
                ),
              );
            const first = await poll();
            assert.equal(first.error, undefined);
            assert.deepEqual([first.pages, first.new, first.rejected], [3, 1400, 1]);
            // Every page went through the worker when there is one (the malformed record's page included).
            assert.equal(offloadedPages, pool ? 3 : 0);
            assert.equal(created.length, 1400);
            const rejects = new IngestRejectStore(database.db);
            const [reject, ...others] = await rejects.list("canary");
            assert.deepEqual(others, []);
            // Kept exactly as the console served it.
            const served = (await client.call<{ incidents: Array<{ id: string }> }>("listAllIncidents"))
              .output;
            assert.deepEqual(
              reject!.raw,
              served.incidents.find((i) => i.id === "   "),
            );
            assert.equal(reject!.vendorId, undefined);
            assert.match(reject!.reason, /^ValidationError: the Canary incident has no key/);
            assert.deepEqual(
              [reject!.source, reject!.connection, reject!.connector, reject!.times],
              ["canary", "canary", "thinkst-canary", 1],
            );
            const state = (await (await fetch(`${odd.url}/__sim/state`)).json()) as {
              max_updated_id: number;
            };
            const source = (await sources.get("canary"))!;
            assert.deepEqual(source.checkpoint, { max_updated_id: state.max_updated_id });
            assert.equal(source.failures, 0);
            // The next poll is not stuck on it: nothing is fetched again, nothing fails.
            const second = await poll();
            assert.equal(second.error, undefined);
            assert.deepEqual([second.new, second.updated, second.rejected], [0, 0, 0]);
            assert.equal(await rejects.count("canary"), 1);
          } finally {
            await client.close();
            await database.close();
            await pool?.close();
          }
        });
      }
    });
  });
