import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { SourceInbox } from "../connectors/sdk/index.ts";
import type { RampartDb } from "./schema.ts";

/** The durable inbox of one source: consume-once vendor data kept until the alerts it names are stored. */
export class StoredInbox implements SourceInbox {
  readonly #db: Kysely<RampartDb>;
  readonly #source: string;
  readonly #now: () => number;

  constructor(db: Kysely<RampartDb>, source: string, now: () => number = Date.now) {
    this.#db = db;
    this.#source = source;
    this.#now = now;
  }

  /** Committed on its own, at once: the vendor will not hand these items out again. */
  async save(items: unknown[]): Promise<string> {
    const id = randomUUID();
    await this.#db
      .insertInto("source_inbox")
      .values({ id, source: this.#source, items: JSON.stringify(items), created_at: this.#now() })
      .execute();
    return id;
  }

  async pending(): Promise<Array<{ id: string; items: unknown[] }>> {
    const rows = await this.#db
      .selectFrom("source_inbox")
      .select(["id", "items"])
      .where("source", "=", this.#source)
      .where("done_at", "is", null)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map((row) => ({ id: row.id, items: JSON.parse(row.items) as unknown[] }));
  }

  async finish(trx: Transaction<RampartDb>, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await trx
      .updateTable("source_inbox")
      .set({ done_at: this.#now() })
      .where("id", "in", [...ids])
      .execute();
  }
}
