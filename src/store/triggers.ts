import type { Kysely, Transaction } from "kysely";
import type { PendingTrigger, TriggerRow, TriggerStore } from "../ingest/ports.ts";
import type { RampartDb } from "./schema.ts";

// SQLite accepts 32766 bound parameters per statement and PostgreSQL 65535; 5 columns × 500 rows stays well below.
const INSERT_ROWS = 500;

/** The runs alerts owe their playbooks (`alert_triggers`): recorded with the alerts, settled once each run exists. */
export class SqlTriggerStore implements TriggerStore {
  readonly #db: Kysely<RampartDb>;
  readonly #now: () => number;

  constructor(db: Kysely<RampartDb>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** Records triggers inside the caller's transaction (the page's); one that exists already is kept. */
  async insert(trx: Transaction<RampartDb>, rows: readonly TriggerRow[]): Promise<void> {
    const now = this.#now();
    for (let i = 0; i < rows.length; i += INSERT_ROWS) {
      await trx
        .insertInto("alert_triggers")
        .values(
          rows.slice(i, i + INSERT_ROWS).map((r) => ({
            alert_id: r.alertId,
            playbook: r.playbook,
            run_id: null,
            error: r.error ?? null,
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  async claimPending(limit?: number): Promise<PendingTrigger[]> {
    let query = this.#db
      .selectFrom("alert_triggers as t")
      .innerJoin("alerts as a", "a.id", "t.alert_id")
      .select(["t.alert_id", "t.playbook", "a.ocsf", "a.connection", "a.connector"])
      .where("t.run_id", "is", null)
      .where("t.error", "is", null)
      .orderBy("t.created_at")
      .orderBy("a.time")
      .orderBy("t.alert_id")
      .orderBy("t.playbook");
    if (limit !== undefined) query = query.limit(limit);
    const rows = await query.execute();
    return rows.map((row) => ({
      alertId: row.alert_id,
      playbook: row.playbook,
      alert: JSON.parse(row.ocsf) as Record<string, unknown>,
      connection: row.connection,
      connector: row.connector,
    }));
  }

  async settle(alertId: string, playbook: string, runId: string): Promise<void> {
    await this.#db
      .updateTable("alert_triggers")
      .set({ run_id: runId })
      .where("alert_id", "=", alertId)
      .where("playbook", "=", playbook)
      .where("run_id", "is", null)
      .execute();
  }

  async countPending(): Promise<number> {
    const row = await this.#db
      .selectFrom("alert_triggers")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("run_id", "is", null)
      .where("error", "is", null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
