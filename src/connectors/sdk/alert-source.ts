import type { ConnectorClient } from "./client.ts";

/** One page of raw vendor alerts and the checkpoint to store once they are safely kept. */
export interface SourcePage<C = unknown> {
  alerts: unknown[];
  checkpoint: C;
  /** Inbox entries this page finishes; marked done in the same transaction as the alerts. */
  inboxIds?: readonly string[];
}

/**
 * Durable holding place for data a vendor hands out only once (consume-once notification
 * queues): whatever is saved here survives a crash before the alerts it names are stored.
 */
export interface SourceInbox {
  save(items: unknown[]): Promise<string>;
  /** Entries saved earlier and not finished yet (e.g. by a run that crashed), oldest first. */
  pending(): Promise<Array<{ id: string; items: unknown[] }>>;
}

export interface PollContext<C> {
  client: ConnectorClient;
  /** The last committed checkpoint, undefined on the very first poll. */
  checkpoint: C | undefined;
  inbox: SourceInbox;
  now(): number;
  signal?: AbortSignal;
}

/**
 * How Rampart ingests one vendor's alerts: a listing plus a checkpoint. Pure vendor
 * knowledge; the ingest layer owns storage, de-duplication, transactions and triggers.
 */
export interface AlertSource<C = unknown> {
  /** Pages of alerts newer than the checkpoint, in the order they must be committed. */
  poll(context: PollContext<C>): AsyncIterable<SourcePage<C>>;
  /** The vendor's stable id of a raw alert: de-duplication key with the connection. */
  alertId(raw: unknown): string;
  /** The raw alert as an OCSF Detection Finding (a pure function). */
  normalize(raw: unknown): Record<string, unknown>;
  /**
   * true when fetching a page has no effect at the vendor (a plain listing, not a consume-once
   * queue): the next page is then fetched while the current one is being stored.
   */
  readAhead?: boolean;
  /**
   * Where this object is exported (a module's `import.meta.url` and the export's name), so a
   * normalize thread loads this module alone instead of every connector. Without it, pages are
   * normalized on the polling thread.
   */
  exportedAs?: AlertSourceExport;
}

/** A module and the name under which it exports an `AlertSource`. */
export interface AlertSourceExport {
  module: string;
  name: string;
}
