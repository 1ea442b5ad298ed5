import { hash, randomUUIDv7 } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { PageOrigin } from "./alerts.ts";
import type { IngestRejectsTable, RampartDb } from "./schema.ts";

/** A record a source fetched that could not be mapped to an alert, as the poll hands it over. */
export interface IncomingReject {
  /** The vendor's id of the record, when it could be read. */
  vendorId?: string;
  /** Why it could not be mapped: the error type and message. */
  reason: string;
  /** The record exactly as the vendor sent it. */
  raw: unknown;
}

/** A kept reject: the raw record, why, and when it was fetched first and last. */
export interface StoredReject {
  id: string;
  source: string;
  connection: string;
  connector: string;
  vendorId?: string;
  reason: string;
  raw: unknown;
  /** How many polls fetched this same record. */
  times: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

function toReject(row: IngestRejectsTable): StoredReject {
  const reject: StoredReject = {
    id: String(row.id),
    source: String(row.source),
    connection: String(row.connection),
    connector: String(row.connector),
    reason: String(row.reason),
    raw: JSON.parse(String(row.raw)),
    times: Number(row.times),
    firstSeenAt: Number(row.first_seen_at),
    lastSeenAt: Number(row.last_seen_at),
  };
  if (row.vendor_id !== null && row.vendor_id !== undefined) reject.vendorId = String(row.vendor_id);
  return reject;
}

/** Records sources could not map at all, kept raw per source so nothing fetched is silently lost. */
export class IngestRejectStore {
  readonly #db: Kysely<RampartDb>;
  readonly #now: () => number;

  constructor(db: Kysely<RampartDb>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** Keeps a page's rejects inside the transaction that stores the page; a record seen before counts again. */
  async record(
    trx: Transaction<RampartDb>,
    origin: PageOrigin,
    rejects: readonly IncomingReject[],
  ): Promise<void> {
    const now = this.#now();
    for (const reject of rejects) {
      const raw = JSON.stringify(reject.raw) ?? "null";
      await trx
        .insertInto("ingest_rejects")
        .values({
          id: randomUUIDv7(),
          source: origin.source,
          connection: origin.connection,
          connector: origin.connector,
          vendor_id: reject.vendorId ?? null,
          reason: reject.reason,
          raw,
          raw_hash: hash("sha256", raw, "hex"),
          times: 1,
          first_seen_at: now,
          last_seen_at: now,
        })
        .onConflict((oc) =>
          oc.columns(["source", "raw_hash"]).doUpdateSet((eb) => ({
            reason: reject.reason,
            times: eb("ingest_rejects.times", "+", 1),
            last_seen_at: now,
          })),
        )
        .execute();
    }
  }

  /** The source's rejects, most recently fetched first. */
  async list(source: string, limit = 100): Promise<StoredReject[]> {
    const rows = await this.#db
      .selectFrom("ingest_rejects")
      .selectAll()
      .where("source", "=", source)
      .orderBy("last_seen_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map(toReject);
  }

  /** How many distinct records of the source (of every source, without one) were rejected. */
  async count(source?: string): Promise<number> {
    let query = this.#db.selectFrom("ingest_rejects").select((eb) => eb.fn.countAll().as("n"));
    if (source !== undefined) query = query.where("source", "=", source);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }
}
