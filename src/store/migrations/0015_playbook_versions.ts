import { dirname } from "node:path";
import { type Kysely, sql } from "kysely";
import { absoluteSources, relativeSources } from "../playbook-versions.ts";

/**
 * A run's playbook sources, stored once per version instead of once per run: `playbook_versions`
 * holds each version's texts by path relative to the playbook's folder, under the hash every run
 * already records (`runs.playbook_hash`, sha256 over those same relative paths and texts); the
 * per-run copy (`runs.playbook_sources`) goes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("playbook_versions")
    .addColumn("hash", "varchar(64)", (col) => col.primaryKey())
    .addColumn("sources", "text", (col) => col.notNull())
    .addColumn("created_at", "varchar(32)", (col) => col.notNull())
    .execute();
  // One run per version is enough: runs with the same hash hold the same relative sources.
  const versions = await db
    .selectFrom("runs")
    .select(["playbook_hash", (eb) => eb.fn.min("id").as("id")])
    .groupBy("playbook_hash")
    .execute();
  for (const { playbook_hash, id } of versions) {
    const run = await db
      .selectFrom("runs")
      .select(["playbook_path", "playbook_sources", "created_at"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const sources = JSON.parse(run.playbook_sources) as Record<string, string>;
    await db
      .insertInto("playbook_versions")
      .values({
        hash: playbook_hash,
        sources: JSON.stringify(relativeSources(sources, dirname(run.playbook_path))),
        created_at: run.created_at,
      })
      .execute();
  }
  await db.schema.alterTable("runs").dropColumn("playbook_sources").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("runs").addColumn("playbook_sources", "text").execute();
  const pairs = await db.selectFrom("runs").select(["playbook_hash", "playbook_path"]).distinct().execute();
  for (const { playbook_hash, playbook_path } of pairs) {
    const version = await db
      .selectFrom("playbook_versions")
      .select("sources")
      .where("hash", "=", playbook_hash)
      .executeTakeFirstOrThrow();
    const sources = absoluteSources(JSON.parse(version.sources), dirname(playbook_path));
    await db
      .updateTable("runs")
      .set({ playbook_sources: JSON.stringify(sources) })
      .where("playbook_hash", "=", playbook_hash)
      .where("playbook_path", "=", playbook_path)
      .execute();
  }
  await sql`UPDATE runs SET playbook_sources = '{}' WHERE playbook_sources IS NULL`.execute(db);
  await db.schema.dropTable("playbook_versions").execute();
}
