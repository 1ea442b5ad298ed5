import type { Kysely } from "kysely";

/** Where a call step's vendor reply differed from the operation's output schema: JSON list, null when none. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("run_steps").addColumn("warnings", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("run_steps").dropColumn("warnings").execute();
}
