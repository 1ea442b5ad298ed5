import type { Kysely } from "kysely";
import type { SourceInbox } from "../connectors/sdk/index.ts";
import type { IngestStore, PageCommit } from "../ingest/ports.ts";
import { AlertStore, type PageResult } from "./alerts.ts";
import { StoredInbox } from "./inbox.ts";
import { IngestRejectStore } from "./ingest-rejects.ts";
import type { RampartDb } from "./schema.ts";
import { type SourceRecord, SourceStore } from "./sources.ts";
import { SqlTriggerStore } from "./triggers.ts";

/** Ingestion's port over SQL: a page, its checkpoint, its inbox entries and its triggers commit together. */
export class SqlIngestStore implements IngestStore {
  readonly #db: Kysely<RampartDb>;
  readonly #now: () => number;
  // Long-lived, so the alert store's compiled INSERT and lookup templates serve every poll.
  readonly #alerts: AlertStore;
  readonly #rejects: IngestRejectStore;
  readonly #sources: SourceStore;
  readonly #triggers: SqlTriggerStore;

  constructor(db: Kysely<RampartDb>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#alerts = new AlertStore(db, now);
    this.#rejects = new IngestRejectStore(db, now);
    this.#sources = new SourceStore(db, now);
    this.#triggers = new SqlTriggerStore(db, now);
  }

  sources(): Promise<SourceRecord[]> {
    return this.#sources.list();
  }

  inbox(source: string): SourceInbox {
    return new StoredInbox(this.#db, source, this.#now);
  }

  async commitPage(commit: PageCommit): Promise<PageResult> {
    const { origin } = commit;
    return this.#db.transaction().execute(async (trx) => {
      await commit.begin?.();
      const result = await this.#alerts.storePage(trx, origin, commit.alerts);
      if (commit.rejected && commit.rejected.length > 0)
        await this.#rejects.record(trx, origin, commit.rejected);
      await this.#sources.saveCheckpoint(trx, origin.source, commit.checkpoint);
      await new StoredInbox(this.#db, origin.source, this.#now).finish(trx, commit.inboxIds);
      if (result.created.length > 0 && commit.triggers) {
        await this.#triggers.insert(trx, await commit.triggers(result.created));
      }
      return result;
    });
  }

  async recordSuccess(source: string): Promise<void> {
    await this.#sources.recordSuccess(source);
  }

  async recordFailure(source: string, message: string): Promise<void> {
    await this.#sources.recordFailure(source, message);
  }
}
