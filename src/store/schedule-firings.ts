import type { Kysely } from "kysely";
import type { Database } from "./database.ts";

/**
 * `started`: an on-time firing's run; `caught_up`: the one run for firings missed while down;
 * `skipped`: missed firings a `catch_up: none` schedule did not run; `armed`: the baseline a
 * schedule seen for the first time starts from (no run).
 */
export type FiringOutcome = "started" | "caught_up" | "skipped" | "armed";

/** One handled firing of one playbook's schedule. */
export interface Firing {
  playbook: string;
  /** ISO-8601. */
  fireTime: string;
  runId: string | null;
  outcome: FiringOutcome;
}

interface ScheduleFiringsTable {
  playbook: string;
  fire_time: string;
  run_id: string | null;
  outcome: string;
  recorded_at: string;
}

interface Tables {
  schedule_firings: ScheduleFiringsTable;
}

/** The ledger of schedule firings: one row per (playbook, fire time), written once. */
export class SqlFiringLedger {
  readonly #db: Kysely<Tables>;

  constructor(database: Pick<Database, "db">) {
    this.#db = database.db as Kysely<Tables>;
  }

  /** The playbook's latest handled firing. */
  async latest(playbook: string): Promise<Firing | undefined> {
    const row = await this.#db
      .selectFrom("schedule_firings")
      .selectAll()
      .where("playbook", "=", playbook)
      .orderBy("fire_time", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? toFiring(row) : undefined;
  }

  /** Records a firing; a second record of the same (playbook, fire time) changes nothing. */
  async record(firing: Firing, now = new Date()): Promise<void> {
    await this.#db
      .insertInto("schedule_firings")
      .values({
        playbook: firing.playbook,
        fire_time: firing.fireTime,
        run_id: firing.runId,
        outcome: firing.outcome,
        recorded_at: now.toISOString(),
      })
      .onConflict((oc) => oc.columns(["playbook", "fire_time"]).doNothing())
      .execute();
  }

  /** The playbook's firings, newest first. */
  async list(playbook: string, limit = 100): Promise<Firing[]> {
    const rows = await this.#db
      .selectFrom("schedule_firings")
      .selectAll()
      .where("playbook", "=", playbook)
      .orderBy("fire_time", "desc")
      .limit(limit)
      .execute();
    return rows.map(toFiring);
  }
}

function toFiring(row: ScheduleFiringsTable): Firing {
  return {
    playbook: row.playbook,
    fireTime: row.fire_time,
    runId: row.run_id,
    outcome: row.outcome as FiringOutcome,
  };
}
