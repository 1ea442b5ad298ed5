/**
 * What ingestion and trigger dispatch need from persistence, and nothing more: src/store implements
 * these ports (ingest-store.ts, triggers.ts), so no SQL lives here and a PostgreSQL store can
 * implement them too. The record types are the store's own (imported as types only).
 */
import type { SourceInbox } from "../connectors/sdk/index.ts";
import type { IncomingAlert, PageOrigin, PageResult, StoredAlert } from "../store/alerts.ts";
import type { IncomingReject } from "../store/ingest-rejects.ts";
import type { SourceRecord } from "../store/sources.ts";

/** One run a new alert owes: of `playbook` (absolute path) for alert `alertId`. */
export interface TriggerRow {
  alertId: string;
  playbook: string;
  /** Set when the trigger's `when` failed for this alert: recorded as errored, no run is owed. */
  error?: string;
}

/** One page of a source to commit. */
export interface PageCommit {
  origin: PageOrigin;
  alerts: readonly IncomingAlert[];
  /** The page's records that could not be mapped, kept raw with it so the checkpoint can move past them. */
  rejected?: readonly IncomingReject[];
  /** The source's checkpoint once this page is stored. */
  checkpoint: unknown;
  /** Inbox entries the page finishes. */
  inboxIds: readonly string[];
  /** The runs the page's new alerts owe; asked inside the commit, so an alert and its triggers land together. */
  triggers?: (created: StoredAlert[]) => Promise<TriggerRow[]>;
  /** Called first inside the transaction (see pollSource: the vendor's next page is asked for there). */
  begin?: () => Promise<void>;
}

export interface IngestStore {
  /** Every alert source, by name. */
  sources(): Promise<SourceRecord[]>;
  /** The durable inbox of one source. */
  inbox(source: string): SourceInbox;
  /** Stores the alerts, moves the checkpoint, finishes the inbox entries and records the triggers, in one transaction. */
  commitPage(commit: PageCommit): Promise<PageResult>;
  recordSuccess(source: string): Promise<void>;
  /** Records a failed poll; the source backs off (interval × 2^failures, at most an hour). */
  recordFailure(source: string, message: string): Promise<void>;
}

/** A trigger whose run is not recorded yet, with the alert it answers. */
export interface PendingTrigger {
  alertId: string;
  playbook: string;
  /** The alert's OCSF event. */
  alert: Record<string, unknown>;
  /** The connection and connector the alert came from (its own console is the one to act on). */
  connection: string;
  connector: string;
}

export interface TriggerStore {
  /**
   * Pending triggers, oldest first. On SQLite a plain read: two dispatchers taking the same trigger
   * converge on one run, because its id derives from (alert, playbook) and a run id is created once;
   * a distributed store may lock the rows it hands out (`FOR UPDATE SKIP LOCKED`) to save the work.
   */
  claimPending(limit?: number): Promise<PendingTrigger[]>;
  /** Records the trigger's run; a trigger already settled is left alone. */
  settle(alertId: string, playbook: string, runId: string): Promise<void>;
  countPending(): Promise<number>;
}
