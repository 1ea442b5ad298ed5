import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Kysely } from "kysely";
import { migrate, openSqliteFile } from "../database.ts";
import { SqlRunStore } from "../runs.ts";
import { NodeSqliteDialect } from "../sqlite-driver.ts";
import { down } from "./0015_playbook_versions.ts";
import { migrations } from "./index.ts";

const before0015 = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0015"));

const oldRun = (id: string, path: string, hash: string, sources: Record<string, string>) => ({
  id,
  playbook_name: "p",
  playbook_path: path,
  playbook_hash: hash,
  playbook_sources: JSON.stringify(sources),
  inputs: "{}",
  connections: "{}",
  status: "succeeded",
  created_at: `2026-01-01T00:00:0${id.at(-1)}.000Z`,
  updated_at: "2026-01-01T00:00:09.000Z",
});

test("0015 moves runs' sources into one row per version and back", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-0015-"));
  const db = new Kysely<any>({ dialect: new NodeSqliteDialect(openSqliteFile(join(dir, "db"))) });
  try {
    await migrate(db, before0015);
    await db
      .insertInto("runs")
      .values([
        oldRun("r1", "/a/main.yaml", "h1", { "/a/main.yaml": "one", "/a/sub/child.yaml": "child" }),
        oldRun("r2", "/b/main.yaml", "h1", { "/b/main.yaml": "one", "/b/sub/child.yaml": "child" }),
        oldRun("r3", "/a/main.yaml", "h2", { "/a/main.yaml": "two" }),
      ])
      .execute();
    await migrate(db);
    const versions = await db.selectFrom("playbook_versions").selectAll().orderBy("hash").execute();
    assert.deepEqual(
      versions.map((v) => [v.hash, JSON.parse(v.sources)]),
      [
        ["h1", { "main.yaml": "one", "sub/child.yaml": "child" }],
        ["h2", { "main.yaml": "two" }],
      ],
    );
    const columns = (await db.introspection.getTables()).find((t) => t.name === "runs")!.columns;
    assert.ok(!columns.some((c) => c.name === "playbook_sources"), "the per-run copy is gone");
    const store = new SqlRunStore({ db });
    assert.deepEqual(await store.playbookSources("h1", "/b/main.yaml"), {
      "/b/main.yaml": "one",
      "/b/sub/child.yaml": "child",
    });

    await down(db);
    const runs = await db.selectFrom("runs").select(["id", "playbook_sources"]).orderBy("id").execute();
    assert.deepEqual(
      runs.map((r) => [r.id, JSON.parse(r.playbook_sources)]),
      [
        ["r1", { "/a/main.yaml": "one", "/a/sub/child.yaml": "child" }],
        ["r2", { "/b/main.yaml": "one", "/b/sub/child.yaml": "child" }],
        ["r3", { "/a/main.yaml": "two" }],
      ],
    );
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
