import type { Kysely } from "kysely";

/** Alert sources and their checkpoints, alerts (OCSF) with their version history, the consume-once inbox, and triggers. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("sources")
    .addColumn("name", "varchar(63)", (col) => col.primaryKey())
    .addColumn("connection", "varchar(63)", (col) => col.notNull())
    .addColumn("connector", "varchar(100)", (col) => col.notNull())
    .addColumn("interval_ms", "bigint", (col) => col.notNull())
    .addColumn("checkpoint", "text")
    .addColumn("failures", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("last_polled_at", "bigint")
    .addColumn("last_success_at", "bigint")
    .addColumn("next_poll_at", "bigint", (col) => col.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .execute();

  await db.schema
    .createTable("alerts")
    .addColumn("id", "varchar(36)", (col) => col.primaryKey())
    .addColumn("source", "varchar(63)", (col) => col.notNull())
    .addColumn("connection", "varchar(63)", (col) => col.notNull())
    .addColumn("connector", "varchar(100)", (col) => col.notNull())
    .addColumn("vendor_id", "varchar(512)", (col) => col.notNull())
    .addColumn("content_hash", "varchar(64)", (col) => col.notNull())
    .addColumn("title", "text", (col) => col.notNull())
    .addColumn("severity_id", "integer", (col) => col.notNull())
    .addColumn("status_id", "integer", (col) => col.notNull())
    .addColumn("time", "bigint", (col) => col.notNull())
    .addColumn("ocsf", "text", (col) => col.notNull())
    .addColumn("version", "integer", (col) => col.notNull())
    .addColumn("ingested_at", "bigint", (col) => col.notNull())
    .addColumn("updated_at", "bigint", (col) => col.notNull())
    .addUniqueConstraint("alerts_vendor_key", ["connection", "vendor_id"])
    .execute();
  await db.schema.createIndex("alerts_time_idx").on("alerts").column("time").execute();
  await db.schema.createIndex("alerts_source_idx").on("alerts").columns(["source", "time"]).execute();
  await db.schema.createIndex("alerts_severity_idx").on("alerts").columns(["severity_id", "time"]).execute();

  await db.schema
    .createTable("alert_versions")
    .addColumn("alert_id", "varchar(36)", (col) => col.notNull().references("alerts.id").onDelete("cascade"))
    .addColumn("version", "integer", (col) => col.notNull())
    .addColumn("content_hash", "varchar(64)", (col) => col.notNull())
    .addColumn("ocsf", "text", (col) => col.notNull())
    .addColumn("recorded_at", "bigint", (col) => col.notNull())
    .addPrimaryKeyConstraint("alert_versions_pk", ["alert_id", "version"])
    .execute();

  await db.schema
    .createTable("source_inbox")
    .addColumn("id", "varchar(36)", (col) => col.primaryKey())
    .addColumn("source", "varchar(63)", (col) => col.notNull())
    .addColumn("items", "text", (col) => col.notNull())
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .addColumn("done_at", "bigint")
    .execute();
  await db.schema
    .createIndex("source_inbox_pending_idx")
    .on("source_inbox")
    .columns(["source", "done_at"])
    .execute();

  await db.schema
    .createTable("alert_triggers")
    .addColumn("alert_id", "varchar(36)", (col) => col.notNull().references("alerts.id").onDelete("cascade"))
    .addColumn("playbook", "varchar(255)", (col) => col.notNull())
    .addColumn("run_id", "varchar(64)")
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .addPrimaryKeyConstraint("alert_triggers_pk", ["alert_id", "playbook"])
    .execute();
  await db.schema.createIndex("alert_triggers_pending_idx").on("alert_triggers").column("run_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["alert_triggers", "source_inbox", "alert_versions", "alerts", "sources"]) {
    await db.schema.dropTable(table).execute();
  }
}
