import type { Kysely } from "kysely";

/**
 * Fencing: each claim of a run takes a new lease epoch. A worker records steps and the run's end only
 * while the run is still under its owner and epoch, so one whose lease was taken over (a long pause,
 * a duplicate delivery) can record nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("runs")
    .addColumn("lease_epoch", "integer", (col) => col.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("runs").dropColumn("lease_epoch").execute();
}
