import type { Kysely } from "kysely";

/** A trigger whose `when` failed to evaluate for an alert is kept with its error, never dispatched. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("alert_triggers").addColumn("error", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("alert_triggers").dropColumn("error").execute();
}
