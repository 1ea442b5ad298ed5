import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../connectors/sdk/index.ts";
import type { RampartDb, SourcesTable } from "./schema.ts";

export interface SourceRecord {
  name: string;
  connection: string;
  connector: string;
  intervalMs: number;
  checkpoint: unknown;
  failures: number;
  lastError?: string;
  lastPolledAt?: number;
  lastSuccessAt?: number;
  nextPollAt: number;
  createdAt: number;
  /** Set while the source is paused (epoch ms): kept with its checkpoint, not polled. */
  pausedAt?: number;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The longest polling interval: a week. Beyond it timers overflow and a source is as good as off. */
export const MAX_SOURCE_INTERVAL_MS = 7 * 86_400_000;

/**
 * The columns read back, with the interval clamped into range: a row stored out of range (an earlier
 * version did not check) reads as the nearest bound instead of failing every listing and every ingest.
 */
const COLUMNS = [
  "name",
  "connection",
  "connector",
  // CASE rather than SQLite's two-argument max/min (PostgreSQL's greatest/least): the same SQL on both.
  sql<number>`case when interval_ms < 1000 then 1000 when interval_ms > ${sql.lit(MAX_SOURCE_INTERVAL_MS)} then ${sql.lit(MAX_SOURCE_INTERVAL_MS)} else interval_ms end`.as(
    "interval_ms",
  ),
  "checkpoint",
  "failures",
  "last_error",
  "last_polled_at",
  "last_success_at",
  "next_poll_at",
  "created_at",
  "paused_at",
] as const;

function toRecord(row: Selectable<SourcesTable>): SourceRecord {
  return {
    name: row.name,
    connection: row.connection,
    connector: row.connector,
    intervalMs: Number(row.interval_ms),
    checkpoint:
      row.checkpoint === null || row.checkpoint === undefined ? undefined : JSON.parse(row.checkpoint),
    failures: Number(row.failures),
    lastError: row.last_error ?? undefined,
    lastPolledAt: row.last_polled_at === null ? undefined : Number(row.last_polled_at),
    lastSuccessAt: row.last_success_at === null ? undefined : Number(row.last_success_at),
    nextPollAt: Number(row.next_poll_at),
    createdAt: Number(row.created_at),
    ...(row.paused_at === null || row.paused_at === undefined ? {} : { pausedAt: Number(row.paused_at) }),
  };
}

function checkInterval(intervalMs: number): void {
  if (!Number.isInteger(intervalMs) || intervalMs < 1000)
    throw new ValidationError("every must be at least 1s", { field: "every" });
  if (intervalMs > MAX_SOURCE_INTERVAL_MS)
    throw new ValidationError("every must be at most 7d", { field: "every" });
}

/** Alert sources: a saved connection, a polling interval and the checkpoint reached so far. */
export class SourceStore {
  readonly #db: Kysely<RampartDb>;
  readonly #now: () => number;

  constructor(db: Kysely<RampartDb>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async add(source: {
    name: string;
    connection: string;
    connector: string;
    intervalMs: number;
  }): Promise<SourceRecord> {
    if (!NAME.test(source.name)) {
      throw new ValidationError(
        "name must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit",
        {
          field: "name",
        },
      );
    }
    checkInterval(source.intervalMs);
    if (await this.get(source.name))
      throw new ConflictError(`source "${source.name}" already exists`, { field: "name" });
    await this.#db
      .insertInto("sources")
      .values({
        name: source.name,
        connection: source.connection,
        connector: source.connector,
        interval_ms: source.intervalMs,
        failures: 0,
        next_poll_at: 0,
        created_at: this.#now(),
      })
      .execute();
    return (await this.get(source.name))!;
  }

  async get(name: string): Promise<SourceRecord | undefined> {
    const row = await this.#db
      .selectFrom("sources")
      .select(COLUMNS)
      .where("name", "=", name)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(): Promise<SourceRecord[]> {
    return (await this.#db.selectFrom("sources").select(COLUMNS).orderBy("name").execute()).map(toRecord);
  }

  /** Pauses or resumes polling; a resumed source is polled at once, from its checkpoint. */
  async setPaused(name: string, paused: boolean): Promise<SourceRecord> {
    const now = this.#now();
    const result = await this.#db
      .updateTable("sources")
      .set(paused ? { paused_at: now } : { paused_at: null, next_poll_at: now })
      .where("name", "=", name)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw new NotFoundError(`no source named "${name}"`, { field: "name" });
    return (await this.get(name))!;
  }

  /** Changes the polling interval (checked as when adding). */
  async setInterval(name: string, intervalMs: number): Promise<SourceRecord> {
    checkInterval(intervalMs);
    const result = await this.#db
      .updateTable("sources")
      .set({ interval_ms: intervalMs })
      .where("name", "=", name)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw new NotFoundError(`no source named "${name}"`, { field: "name" });
    return (await this.get(name))!;
  }

  /** Removes the source; the alerts it ingested stay. */
  async remove(name: string): Promise<boolean> {
    const result = await this.#db.deleteFrom("sources").where("name", "=", name).executeTakeFirst();
    await this.#db.deleteFrom("source_inbox").where("source", "=", name).execute();
    return Number(result.numDeletedRows) > 0;
  }

  /** Moves the checkpoint inside the transaction that stores the page it covers. */
  async saveCheckpoint(trx: Transaction<RampartDb>, name: string, checkpoint: unknown): Promise<void> {
    await trx
      .updateTable("sources")
      .set({ checkpoint: JSON.stringify(checkpoint) })
      .where("name", "=", name)
      .execute();
  }

  async recordSuccess(name: string): Promise<void> {
    const now = this.#now();
    const source = await this.get(name);
    if (!source) return;
    await this.#db
      .updateTable("sources")
      .set({
        failures: 0,
        last_error: null,
        last_polled_at: now,
        last_success_at: now,
        next_poll_at: now + source.intervalMs,
      })
      .where("name", "=", name)
      .execute();
  }

  /** Backs off exponentially (interval × 2^failures, at most an hour) after a failed poll. */
  async recordFailure(name: string, message: string): Promise<SourceRecord | undefined> {
    const source = await this.get(name);
    if (!source) return undefined;
    const failures = source.failures + 1;
    const delay = Math.min(source.intervalMs * 2 ** Math.min(failures, 10), 3_600_000);
    const now = this.#now();
    await this.#db
      .updateTable("sources")
      .set({ failures, last_error: message, last_polled_at: now, next_poll_at: now + delay })
      .where("name", "=", name)
      .execute();
    return this.get(name);
  }
}
