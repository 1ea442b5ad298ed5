import type { Kysely } from "kysely";

/** Playbook runs and every attempt of every step: the durable record the engine resumes from. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("runs")
    .addColumn("id", "varchar(36)", (col) => col.primaryKey())
    .addColumn("playbook_name", "varchar(200)", (col) => col.notNull())
    .addColumn("playbook_path", "text", (col) => col.notNull())
    .addColumn("playbook_hash", "varchar(64)", (col) => col.notNull())
    .addColumn("playbook_sources", "text", (col) => col.notNull())
    .addColumn("inputs", "text", (col) => col.notNull())
    .addColumn("connections", "text", (col) => col.notNull())
    .addColumn("alert", "text")
    .addColumn("status", "varchar(16)", (col) => col.notNull())
    .addColumn("outputs", "text")
    .addColumn("error", "text")
    .addColumn("message", "text")
    .addColumn("rerun_of", "varchar(36)")
    .addColumn("owner", "varchar(200)")
    .addColumn("lease_until", "varchar(32)")
    .addColumn("created_at", "varchar(32)", (col) => col.notNull())
    .addColumn("updated_at", "varchar(32)", (col) => col.notNull())
    .addColumn("finished_at", "varchar(32)")
    .execute();
  await db.schema.createIndex("runs_status_idx").on("runs").column("status").execute();
  await db.schema.createIndex("runs_created_idx").on("runs").column("created_at").execute();

  await db.schema
    .createTable("run_steps")
    .addColumn("run_id", "varchar(36)", (col) => col.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("step_key", "varchar(500)", (col) => col.notNull())
    .addColumn("attempt", "integer", (col) => col.notNull())
    .addColumn("seq", "integer", (col) => col.notNull())
    .addColumn("step_id", "varchar(200)", (col) => col.notNull())
    .addColumn("type", "varchar(16)", (col) => col.notNull())
    .addColumn("status", "varchar(16)", (col) => col.notNull())
    .addColumn("input", "text")
    .addColumn("output", "text")
    .addColumn("http_status", "integer")
    .addColumn("error", "text")
    .addColumn("idempotency_key", "varchar(100)", (col) => col.notNull())
    .addColumn("started_at", "varchar(32)", (col) => col.notNull())
    .addColumn("finished_at", "varchar(32)")
    .addPrimaryKeyConstraint("run_steps_pk", ["run_id", "step_key", "attempt"])
    .execute();
  await db.schema.createIndex("run_steps_seq_idx").on("run_steps").columns(["run_id", "seq"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("run_steps").execute();
  await db.schema.dropTable("runs").execute();
}
