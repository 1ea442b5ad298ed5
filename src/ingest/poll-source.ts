import {
  type AlertSource,
  type ConnectorClient,
  isRampartError,
  type SourcePage,
} from "../connectors/sdk/index.ts";
import type { IncomingAlert, StoredAlert } from "../store/alerts.ts";
import type { IncomingReject } from "../store/ingest-rejects.ts";
import type { SourceRecord } from "../store/sources.ts";
import type { NormalizePool } from "./normalize-pool.ts";
import { type NormalizedPage, normalizeRecords } from "./normalize-records.ts";
import type { IngestStore, TriggerRow } from "./ports.ts";

// Smaller pages are normalized on the polling thread: handing them over costs more than it saves.
const OFFLOAD_MIN_ALERTS = 50;

export interface PollReport {
  source: string;
  pages: number;
  new: number;
  updated: number;
  unchanged: number;
  /** Records fetched that could not be mapped at all: kept raw (`rampart source rejects`), never blocking the rest. */
  rejected: number;
  /** Set when the poll failed; alerts of pages committed before the failure are kept. */
  error?: { type: string; message: string };
}

export interface PollDependencies {
  store: IngestStore;
  now?: () => number;
  /** The runs the alerts stored for the first time owe; recorded in the same transaction as the page. */
  triggers?: (created: StoredAlert[]) => Promise<TriggerRow[]>;
  /** Progress after every committed page. */
  onPage?: (report: PollReport) => void;
  /** Worker threads that normalize large pages while earlier ones are stored (else this thread does). */
  normalizer?: NormalizePool;
}

/** A page from the source, with its normalization already under way in a worker when there is one. */
interface Fetched {
  step: IteratorResult<SourcePage>;
  /** Resolves to undefined when the worker could not do it; the page is then normalized here. */
  offloaded?: Promise<Prepared | undefined>;
}

/** A page ready to store: its alerts, and the records that could not be mapped. */
interface Prepared {
  incoming: IncomingAlert[];
  rejects: NormalizedPage<unknown>["rejects"];
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
  const { store } = deps;
  const inbox = store.inbox(source.name);
  const report: PollReport = { source: source.name, pages: 0, new: 0, updated: 0, unchanged: 0, rejected: 0 };
  const origin = { source: source.name, connection: source.connection, connector: source.connector };
  const pages = alertSource
    .poll({ client, checkpoint: source.checkpoint, inbox, now })
    [Symbol.asyncIterator]();
  // Pages asked for and not yet taken by the loop below, oldest first.
  const queue: Promise<Fetched>[] = [];
  let fetching = false;
  const request = (): void => {
    fetching = true;
    const fetched = pages.next().then((step): Fetched => {
      fetching = false;
      if (step.done) return { step };
      const offloaded = offload(step.value);
      // A plain listing: while this page is normalized in a worker, the one after it is fetched.
      if (offloaded && alertSource.readAhead && queue.length < 3) request();
      return { step, offloaded };
    });
    fetched.catch(() => {}); // awaited by the loop; a failure then is the poll's failure
    queue.push(fetched);
  };
  const offload = (page: SourcePage): Promise<Prepared | undefined> | undefined => {
    const exported = alertSource.exportedAs;
    if (!deps.normalizer || !exported || page.alerts.length < OFFLOAD_MIN_ALERTS) return undefined;
    return deps.normalizer
      .normalize(exported, page.alerts)
      ?.then(({ alerts, rejects }) => ({
        incoming: alerts.map((a) => ({ vendorId: a.vendorId, content: a.value })),
        rejects,
      }))
      .catch(() => undefined);
  };
  const prepareHere = (page: SourcePage): Prepared => {
    const { alerts, rejects } = normalizeRecords(alertSource, page.alerts, (ocsf) => ocsf);
    return { incoming: alerts.map((a) => ({ vendorId: a.vendorId, ocsf: a.value })), rejects };
  };
  let finished = false;
  try {
    for (;;) {
      if (queue.length === 0) request();
      const { step, offloaded } = await queue.shift()!;
      if (step.done) break;
      const page = step.value;
      const { incoming, rejects } = (await offloaded) ?? prepareHere(page);
      // What could not be mapped is kept raw with the page, so the checkpoint can move past it.
      const rejected: IncomingReject[] = rejects.map((r) => ({ ...r, raw: page.alerts[r.index] }));
      const stored = await store.commitPage({
        origin,
        alerts: incoming,
        rejected,
        checkpoint: page.checkpoint,
        inboxIds: page.inboxIds ?? [],
        triggers: deps.triggers,
        begin: alertSource.readAhead
          ? async () => {
              // The vendor prepares the next page while this one is stored. Asked for inside the
              // transaction, so any database work of the source itself still waits for the commit.
              if (queue.length === 0 && !fetching) request();
              // Storing is synchronous work chained by microtasks, so the request would wait for the commit:
              // undici writes a request on a reused keep-alive socket from a setImmediate. Two turns of the
              // event loop let the source reach the socket first (the second runs after undici's).
              await eventLoopTurn();
              await eventLoopTurn();
            }
          : undefined,
      });
      report.pages++;
      report.new += stored.new;
      report.updated += stored.updated;
      report.unchanged += stored.unchanged;
      report.rejected += rejected.length;
      deps.onPage?.(report);
    }
    finished = true;
    await store.recordSuccess(source.name);
  } catch (error) {
    const data = isRampartError(error)
      ? { type: error.type, message: error.message }
      : { type: "Error", message: String((error as Error)?.message ?? error) };
    report.error = data;
    await store.recordFailure(source.name, `${data.type}: ${data.message}`);
  } finally {
    // As a for-await loop would on a failure: let the source finish (close its cursors, pools).
    if (!finished) {
      await Promise.all(queue.map((fetched) => fetched.catch(() => {})));
      await pages.return?.(undefined).catch(() => {});
    }
  }
  return report;
}

function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
