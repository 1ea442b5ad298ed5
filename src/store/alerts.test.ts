import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DATABASES, openFreshDatabase } from "../../test/support/databases.ts";
import { AlertStore } from "./alerts.ts";
import type { Database } from "./database.ts";

for (const kind of DATABASES)
  describe(`alerts (${kind.name})`, { skip: kind.skip }, () => {
    let database: Database;
    before(async () => {
      database = await openFreshDatabase(kind, mkdtempSync(join(tmpdir(), "rampart-alerts-")));
    });
    after(() => database.close());

    const origin = { source: "canary", connection: "canary-prod", connector: "thinkst-canary" };
    const finding = (title: string, severity = 3, time = 1_700_000_000_000) => ({
      class_uid: 2004,
      severity_id: severity,
      status_id: 1,
      time,
      finding_info: { uid: title, title },
    });

    test("each alert is stored once; a changed alert keeps its earlier content as a version", async () => {
      const store = new AlertStore(database.db);
      const first = await database.db.transaction().execute((trx) =>
        store.storePage(trx, origin, [
          { vendorId: "a", ocsf: finding("A") },
          { vendorId: "b", ocsf: finding("B") },
        ]),
      );
      assert.deepEqual([first.new, first.updated, first.unchanged], [2, 0, 0]);

      const again = await database.db.transaction().execute((trx) =>
        store.storePage(trx, origin, [
          { vendorId: "a", ocsf: finding("A") },
          { vendorId: "b", ocsf: finding("B", 5) },
          { vendorId: "b", ocsf: finding("B", 6) },
        ]),
      );
      assert.deepEqual([again.new, again.updated, again.unchanged], [0, 1, 1]);
      assert.equal(await store.count("canary"), 2);

      const b = (await store.list({ source: "canary" })).find((a) => a.vendorId === "b")!;
      assert.equal(b.severityId, 6, "the last content of an id in a page wins");
      assert.equal(b.version, 2);
      const versions = await store.versions(b.id);
      assert.equal(versions.length, 1);
      assert.equal(versions[0]!.ocsf.severity_id, 3);
    });

    test("the same vendor id from another connection is another alert", async () => {
      const store = new AlertStore(database.db);
      const other = { ...origin, connection: "canary-lab" };
      const page = await database.db
        .transaction()
        .execute((trx) => store.storePage(trx, other, [{ vendorId: "a", ocsf: finding("A") }]));
      assert.equal(page.new, 1);
    });

    test("a failed transaction stores nothing of the page", async () => {
      const store = new AlertStore(database.db);
      const before = await store.count();
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await store.storePage(trx, origin, [{ vendorId: "c", ocsf: finding("C") }]);
          throw new Error("crash before commit");
        }),
        /crash before commit/,
      );
      assert.equal(await store.count(), before);
    });

    test("filters and export", async () => {
      const store = new AlertStore(database.db);
      await database.db.transaction().execute((trx) =>
        store.storePage(trx, { ...origin, source: "leen" }, [
          { vendorId: "x", ocsf: finding("X", 5, 1_800_000_000_000) },
          { vendorId: "y", ocsf: finding("Y", 1, 1_800_000_000_001) },
        ]),
      );
      assert.deepEqual((await store.list({ severityAtLeast: 5 })).map((a) => a.title).sort(), ["B", "X"]);
      assert.deepEqual(
        (await store.list({ since: 1_800_000_000_000 })).map((a) => a.title),
        ["Y", "X"],
      );
      const exported = [];
      for await (const event of store.export(2)) exported.push(event);
      assert.equal(exported.length, await store.count());
    });

    test("pages over several severities or statuses are the filtered rows, newest first, cursor by cursor", async () => {
      const store = new AlertStore(database.db);
      const origin = { source: "pages", connection: "pages", connector: "thinkst-canary" };
      // Equal times across severities, so the merge's tie-break on id is exercised too.
      const alerts = Array.from({ length: 60 }, (_, i) => ({
        vendorId: `p${i}`,
        ocsf: {
          ...finding(`P${i}`, 1 + (i % 5), 1_900_000_000_000 + Math.floor(i / 3)),
          status_id: 1 + (i % 3),
        },
      }));
      await database.db.transaction().execute((trx) => store.storePage(trx, origin, alerts));
      const all = (await store.page({ source: "pages", limit: 100 })).alerts;
      assert.equal(all.length, 60);
      for (const filter of [
        { severityIds: [4, 2, 5] },
        { statusIds: [3, 1] },
        { severityIds: [2, 4], statusIds: [1, 2] },
      ]) {
        const wanted = all
          .filter((a) => !filter.severityIds || filter.severityIds.includes(a.severityId))
          .filter((a) => !("statusIds" in filter) || filter.statusIds!.includes(a.statusId))
          .map((a) => a.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.page({ ...filter, source: "pages", limit: 7, cursor });
          seen.push(...page.alerts.map((a) => a.id));
          cursor = page.next;
        } while (cursor);
        assert.deepEqual(seen, wanted, JSON.stringify(filter));
      }
    });
  });
