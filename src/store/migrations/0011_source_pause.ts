import type { Kysely } from "kysely";

/** A source can be paused: kept with its checkpoint, not polled until resumed. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sources").addColumn("paused_at", "bigint").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sources").dropColumn("paused_at").execute();
}
