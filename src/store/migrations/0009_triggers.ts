import type { Kysely } from "kysely";

/**
 * Webhooks and schedules: what started a run (its cause), each webhook playbook's signing secret
 * (encrypted), one row per idempotent delivery, and the ledger of schedule firings.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("runs").addColumn("cause_kind", "varchar(16)").execute();
  await db.schema.alterTable("runs").addColumn("cause", "text").execute();
  await db.schema.createIndex("runs_cause_kind_idx").on("runs").column("cause_kind").execute();

  await db.schema
    .createTable("webhook_secrets")
    .addColumn("playbook", "varchar(200)", (col) => col.primaryKey())
    .addColumn("secret_encrypted", "text", (col) => col.notNull())
    .addColumn("created_at", "varchar(32)", (col) => col.notNull())
    .execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("playbook", "varchar(200)", (col) => col.notNull())
    .addColumn("idempotency_key", "varchar(255)", (col) => col.notNull())
    .addColumn("run_id", "varchar(36)", (col) => col.notNull())
    .addColumn("body_sha256", "varchar(64)", (col) => col.notNull())
    .addColumn("created_at", "varchar(32)", (col) => col.notNull())
    .addPrimaryKeyConstraint("webhook_deliveries_pk", ["playbook", "idempotency_key"])
    .execute();

  await db.schema
    .createTable("schedule_firings")
    .addColumn("playbook", "varchar(200)", (col) => col.notNull())
    .addColumn("fire_time", "varchar(32)", (col) => col.notNull())
    .addColumn("run_id", "varchar(36)")
    .addColumn("outcome", "varchar(16)", (col) => col.notNull())
    .addColumn("recorded_at", "varchar(32)", (col) => col.notNull())
    .addPrimaryKeyConstraint("schedule_firings_pk", ["playbook", "fire_time"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("schedule_firings").execute();
  await db.schema.dropTable("webhook_deliveries").execute();
  await db.schema.dropTable("webhook_secrets").execute();
  await db.schema.dropIndex("runs_cause_kind_idx").execute();
  await db.schema.alterTable("runs").dropColumn("cause").execute();
  await db.schema.alterTable("runs").dropColumn("cause_kind").execute();
}
