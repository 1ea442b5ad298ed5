import type { AlertSource, ConnectorClient, SourcePage } from "../sdk/index.ts";
import {
  type IronDefenseAlert,
  type IronDefenseAlertRecord,
  type IronDefenseEvent,
  normalizeIronDefenseAlert,
} from "./normalize.ts";

export interface IronDefenseCheckpoint {
  /** Highest alert `updated` time a reconciliation has stored; the next one asks for alerts updated since. */
  updatedSince?: string;
  /** When the last reconciliation finished (epoch ms); absent until the initial full load has. */
  reconciledAt?: number;
}

/** How often the alert listing is read again, to catch what notifications may have missed. */
export const RECONCILE_EVERY_MS = 3_600_000;
/** Alert ids per GetAlerts call; also the page size of reconciliation. */
const IDS_PER_CALL = 100;
/** Events fetched with each alert (the first, by creation); `count` still says how many it has. */
const EVENTS_PER_ALERT = 100;
/** GetEvents calls in flight at once. */
const EVENT_CONCURRENCY = 8;
/** A bound no appliance clock reaches: reconciliation wants everything updated since its start. */
const END_OF_TIME = "9999-12-31T23:59:59.999Z";

interface Notification {
  alert_action?: string;
  alert?: { id?: unknown } | null;
}

/** Ids of the alerts a page of notifications names, once each, deleted alerts left out. */
export function alertIdsOf(notifications: readonly unknown[]): string[] {
  const ids = new Set<string>();
  const deleted = new Set<string>();
  for (const item of notifications) {
    const n = item as Notification;
    const id = n?.alert?.id;
    if (typeof id !== "string" || id === "") continue;
    if (n.alert_action === "ANA_ALERT_DELETED") deleted.add(id);
    else ids.add(id);
  }
  return [...ids].filter((id) => !deleted.has(id));
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of the results. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The alerts with the events that locate them on the network (IPs, ports, domains). */
async function withEvents(
  client: ConnectorClient,
  alerts: readonly IronDefenseAlert[],
): Promise<IronDefenseAlertRecord[]> {
  return mapLimit(alerts, EVENT_CONCURRENCY, async (alert) => {
    const { output } = await client.call<{ events: IronDefenseEvent[] }>("GetEvents", {
      alert_id: alert.id,
      constraint: { limit: EVENTS_PER_ALERT },
    });
    return { alert, events: output.events };
  });
}

/** The current state of the named alerts (ones deleted meanwhile are simply not returned). */
async function fetchAlerts(
  client: ConnectorClient,
  ids: readonly string[],
): Promise<IronDefenseAlertRecord[]> {
  const alerts: IronDefenseAlert[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
    const chunk = ids.slice(i, i + IDS_PER_CALL);
    for await (const alert of client.items("GetAlerts", { alert_id: chunk }))
      alerts.push(alert as IronDefenseAlert);
  }
  return withEvents(client, alerts);
}

function later(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isNaN(y) || (!Number.isNaN(x) && x >= y) ? a : b;
}

/**
 * IronDefense alerts, from its consume-once notification queue.
 *
 * GetAlertNotifications hands each notification to the API user once. So every page of them is
 * saved to the source's inbox the moment it arrives, and the alerts it names are committed
 * together with marking that inbox entry finished; a run that dies in between leaves the entry
 * pending, and the next poll starts by fetching those alerts. An hourly reconciliation (and the
 * full load of the first poll) reads the alert listing by `updated` time, for anything the
 * queue may have lost.
 */
export const ironDefenseAlertSource: AlertSource<IronDefenseCheckpoint> = {
  async *poll({ client, checkpoint: stored, inbox, now }) {
    let checkpoint: IronDefenseCheckpoint = stored ?? {};
    const fromScratch = checkpoint.reconciledAt === undefined && checkpoint.updatedSince === undefined;

    // (a) Entries a crashed run saved but did not finish: their notifications will not come again.
    for (const entry of await inbox.pending()) {
      const alerts = await fetchAlerts(client, alertIdsOf(entry.items));
      yield { alerts, checkpoint, inboxIds: [entry.id] };
    }

    // (b) New notifications, one page at a time, each kept before anything else is done with it.
    for await (const page of client.pages("GetAlertNotifications")) {
      const notifications = (page as { alert_notifications?: unknown[] }).alert_notifications ?? [];
      if (notifications.length === 0) continue;
      const savedId = await inbox.save(notifications);
      // A load from scratch follows and reads every alert as it is after this drain.
      const alerts = fromScratch ? [] : await fetchAlerts(client, alertIdsOf(notifications));
      yield { alerts, checkpoint, inboxIds: [savedId] } satisfies SourcePage<IronDefenseCheckpoint>;
    }

    // (c) Reconciliation: the first time a full load, then hourly. Keyset paging on `updated`,
    // oldest first: an alert changed meanwhile moves behind the keyset instead of shifting the
    // others past an offset, and the checkpoint of each committed page is safe to resume from.
    if (checkpoint.reconciledAt !== undefined && now() - checkpoint.reconciledAt < RECONCILE_EVERY_MS) return;
    const startedAt = now();
    let since = checkpoint.updatedSince;
    /** Alerts already read whose `updated` equals `since` (the inclusive bound returns them first). */
    let skip = 0;
    for (;;) {
      const { output } = await client.call<{ alerts: IronDefenseAlert[] }>("GetAlerts", {
        ...(since === undefined ? {} : { updated: { start: since, end: END_OF_TIME } }),
        sort: "updated",
        constraint: { limit: IDS_PER_CALL, offset: skip },
      });
      const alerts = output.alerts;
      const previous = since;
      for (const alert of alerts) since = later(since, alert.updated);
      const ties = alerts.filter((alert) => alert.updated === since).length;
      skip = since === previous ? skip + alerts.length : ties;
      const finished = alerts.length < IDS_PER_CALL;
      checkpoint = {
        ...(since === undefined ? {} : { updatedSince: since }),
        ...(finished ? { reconciledAt: startedAt } : {}),
      };
      yield { alerts: await withEvents(client, alerts), checkpoint };
      if (finished) return;
    }
  },
  alertId: (raw) => String((raw as IronDefenseAlertRecord).alert.id),
  normalize: (raw) => {
    const record = raw as IronDefenseAlertRecord;
    return normalizeIronDefenseAlert(record.alert, record.events);
  },
  exportedAs: { module: import.meta.url, name: "ironDefenseAlertSource" },
};
