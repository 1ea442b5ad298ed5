import { type Kysely, sql } from "kysely";

/**
 * When a parked (`waiting`) run should be looked at again: its earliest approval deadline or wait,
 * or now once a decision is recorded. Workers find due runs by this column instead of reading the
 * steps of every waiting run.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("runs").addColumn("wake_at", "varchar(32)").execute();
  await db.schema.createIndex("runs_wake_idx").on("runs").columns(["status", "wake_at"]).execute();
  // Runs parked before this column existed are looked at once now, and park again with their time.
  await sql`UPDATE runs SET wake_at = updated_at WHERE status = 'waiting'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("runs_wake_idx").execute();
  await db.schema.alterTable("runs").dropColumn("wake_at").execute();
}
