import type { Kysely } from "kysely";

/** Saved connections: a connector's config, encrypted whole (secrets never stored in clear). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("connections")
    .addColumn("name", "varchar(63)", (col) => col.primaryKey())
    .addColumn("connector", "varchar(100)", (col) => col.notNull())
    .addColumn("config_encrypted", "text", (col) => col.notNull())
    .addColumn("created_at", "varchar(32)", (col) => col.notNull())
    .addColumn("updated_at", "varchar(32)", (col) => col.notNull())
    .execute();
  await db.schema.createIndex("connections_connector_idx").on("connections").column("connector").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("connections").execute();
}
