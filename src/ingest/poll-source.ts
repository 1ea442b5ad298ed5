import type { Kysely, Transaction } from "kysely";
import {
  type AlertSource,
  type ConnectorClient,
  isRampartError,
  type SourcePage,
} from "../connectors/sdk/index.ts";
import { AlertStore, type IncomingAlert, type StoredAlert } from "../store/alerts.ts";
import { StoredInbox } from "../store/inbox.ts";
import { type SourceRecord, SourceStore } from "../store/sources.ts";

export interface PollReport {
  source: string;
  pages: number;
  new: number;
  updated: number;
  unchanged: number;
  /** Set when the poll failed; alerts of pages committed before the failure are kept. */
  error?: { type: string; message: string };
}

export interface PollDependencies {
  db: Kysely<any>;
  now?: () => number;
  /** Called inside each page's transaction with the alerts stored for the first time (triggers enqueue here). */
  onNewAlerts?: (trx: Transaction<any>, alerts: StoredAlert[]) => Promise<void>;
  /** Progress after every committed page. */
  onPage?: (report: PollReport) => void;
}

/**
 * Polls one source once: every page of raw alerts is normalized, de-duplicated and
 * committed together with the checkpoint that follows it, in one transaction.
 */
export async function pollSource(
  deps: PollDependencies,
  source: SourceRecord,
  alertSource: AlertSource,
  client: ConnectorClient,
): Promise<PollReport> {
  const now = deps.now ?? Date.now;
  const alerts = new AlertStore(deps.db, now);
  const sources = new SourceStore(deps.db, now);
  const inbox = new StoredInbox(deps.db, source.name, now);
  const report: PollReport = { source: source.name, pages: 0, new: 0, updated: 0, unchanged: 0 };
  const origin = { source: source.name, connection: source.connection, connector: source.connector };
  const pages = alertSource
    .poll({ client, checkpoint: source.checkpoint, inbox, now })
    [Symbol.asyncIterator]();
  let ahead: Promise<IteratorResult<SourcePage>> | undefined;
  let finished = false;
  try {
    for (;;) {
      const step = await (ahead ?? pages.next());
      ahead = undefined;
      if (step.done) break;
      const page = step.value;
      const incoming: IncomingAlert[] = page.alerts.map((raw) => ({
        vendorId: alertSource.alertId(raw),
        ocsf: alertSource.normalize(raw),
      }));
      const stored = await deps.db.transaction().execute(async (trx) => {
        if (alertSource.readAhead) {
          // The vendor prepares the next page while this one is stored. Asked for inside the
          // transaction, so any database work of the source itself still waits for the commit.
          ahead = pages.next();
          ahead.catch(() => {}); // awaited by the next turn; a failure then is the poll's failure
          // Storing is synchronous work chained by microtasks, so the request would wait for the commit:
          // undici writes a request on a reused keep-alive socket from a setImmediate. Two turns of the
          // event loop let the source reach the socket first (the second runs after undici's).
          await eventLoopTurn();
          await eventLoopTurn();
        }
        const result = await alerts.storePage(trx, origin, incoming);
        await sources.saveCheckpoint(trx, source.name, page.checkpoint);
        await inbox.finish(trx, page.inboxIds ?? []);
        if (result.created.length > 0 && deps.onNewAlerts) await deps.onNewAlerts(trx, result.created);
        return result;
      });
      report.pages++;
      report.new += stored.new;
      report.updated += stored.updated;
      report.unchanged += stored.unchanged;
      deps.onPage?.(report);
    }
    finished = true;
    await sources.recordSuccess(source.name);
  } catch (error) {
    const data = isRampartError(error)
      ? { type: error.type, message: error.message }
      : { type: "Error", message: String((error as Error)?.message ?? error) };
    report.error = data;
    await sources.recordFailure(source.name, `${data.type}: ${data.message}`);
  } finally {
    // As a for-await loop would on a failure: let the source finish (close its cursors, pools).
    if (!finished) {
      await (ahead as Promise<unknown> | undefined)?.catch(() => {});
      await pages.return?.(undefined).catch(() => {});
    }
  }
  return report;
}

function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
