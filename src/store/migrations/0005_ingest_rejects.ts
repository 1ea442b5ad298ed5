import type { Kysely } from "kysely";

/**
 * Records a source fetched but could not map to an alert at all, kept raw with why, so that one
 * bad record neither blocks its source nor is lost. One row per (source, record content): the
 * same record fetched again counts as seen again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("ingest_rejects")
    .addColumn("id", "varchar(36)", (col) => col.primaryKey())
    .addColumn("source", "varchar(63)", (col) => col.notNull())
    .addColumn("connection", "varchar(63)", (col) => col.notNull())
    .addColumn("connector", "varchar(100)", (col) => col.notNull())
    .addColumn("vendor_id", "varchar(512)")
    .addColumn("reason", "text", (col) => col.notNull())
    .addColumn("raw", "text", (col) => col.notNull())
    .addColumn("raw_hash", "varchar(64)", (col) => col.notNull())
    .addColumn("times", "integer", (col) => col.notNull())
    .addColumn("first_seen_at", "bigint", (col) => col.notNull())
    .addColumn("last_seen_at", "bigint", (col) => col.notNull())
    .addUniqueConstraint("ingest_rejects_record_key", ["source", "raw_hash"])
    .execute();
  await db.schema
    .createIndex("ingest_rejects_source_idx")
    .on("ingest_rejects")
    .columns(["source", "last_seen_at"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("ingest_rejects").execute();
}
