import type { Kysely } from "kysely";
import { dialectOf } from "../dialect.ts";

/** Who may use the service: users, browser sessions, API tokens, and the append-only audit log. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "varchar(36)", (col) => col.primaryKey())
    .addColumn("name", "varchar(63)", (col) => col.notNull().unique())
    .addColumn("role", "varchar(16)", (col) => col.notNull())
    .addColumn("password_hash", "text", (col) => col.notNull())
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .addColumn("updated_at", "bigint", (col) => col.notNull())
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("token_hash", "varchar(64)", (col) => col.primaryKey())
    .addColumn("user_id", "varchar(36)", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .addColumn("last_seen_at", "bigint", (col) => col.notNull())
    .addColumn("expires_at", "bigint", (col) => col.notNull())
    .addColumn("address", "varchar(64)")
    .execute();
  await db.schema.createIndex("sessions_by_user").on("sessions").column("user_id").execute();

  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "varchar(36)", (col) => col.primaryKey())
    .addColumn("name", "varchar(63)", (col) => col.notNull().unique())
    .addColumn("token_hash", "varchar(64)", (col) => col.notNull().unique())
    .addColumn("role", "varchar(16)", (col) => col.notNull())
    .addColumn("created_by", "varchar(63)", (col) => col.notNull())
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .addColumn("expires_at", "bigint")
    .addColumn("last_used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();

  // SQLite's INTEGER PRIMARY KEY AUTOINCREMENT is PostgreSQL's identity column; both number rows 1, 2, ….
  const postgres = dialectOf(db) === "postgres";
  await db.schema
    .createTable("audit_log")
    .addColumn("id", "integer", (col) =>
      postgres ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement(),
    )
    .addColumn("at", "bigint", (col) => col.notNull())
    .addColumn("actor", "varchar(80)", (col) => col.notNull())
    .addColumn("role", "varchar(16)")
    .addColumn("address", "varchar(64)")
    .addColumn("action", "varchar(200)", (col) => col.notNull())
    .addColumn("target", "text")
    .addColumn("result", "varchar(16)", (col) => col.notNull())
    .addColumn("status", "integer", (col) => col.notNull())
    .execute();
  await db.schema.createIndex("audit_log_by_time").on("audit_log").columns(["at", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["audit_log", "api_tokens", "sessions", "users"])
    await db.schema.dropTable(table).execute();
}
