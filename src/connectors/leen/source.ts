import type { AlertSource } from "../sdk/index.ts";
import { epochMs, normalizeLeenAlert } from "./normalize.ts";

export interface LeenCheckpoint {
  /** Newest change time (epoch ms) of the alerts stored so far; null until one full listing finished. */
  modified_time: number | null;
}

interface AlertPage {
  items: Array<Record<string, unknown>>;
}

/** When Leen last changed an alert: what its `updatedSince` filter reads. */
export function modifiedTime(alert: Record<string, unknown>): number | undefined {
  const meta = alert.metadata as Record<string, unknown> | undefined;
  const info = alert.finding_info as Record<string, unknown> | undefined;
  return epochMs(meta?.modified_time) ?? epochMs(info?.modified_time) ?? epochMs(alert.time);
}

/**
 * IDP alerts changed since the checkpoint, by cursor paging with `updatedSince` (inclusive:
 * alerts changed in the very millisecond of the checkpoint come again, and the store, which
 * de-duplicates by vendor id and content, keeps them once).
 *
 * Leen lists alerts by severity, not by time, so a later page may hold older changes than an
 * earlier one. The checkpoint therefore moves only with the last page: every earlier page is
 * committed with the checkpoint the poll started from, and a poll that fails half-way starts
 * over from there instead of skipping what it had not reached. Nor does it move past the
 * moment the poll began: an alert changed while the pages were being read may have moved
 * behind the cursor, and the next poll picks it up.
 */
export const leenAlertSource: AlertSource<LeenCheckpoint> = {
  async *poll({ client, checkpoint, now }) {
    const since = checkpoint?.modified_time ?? null;
    const started = now();
    let newest = since;
    let held: AlertPage | undefined;
    const input: Record<string, unknown> = { enableCursor: true };
    if (since !== null) input.updatedSince = new Date(since).toISOString();
    for await (const page of client.pages("listIdpAlerts", input)) {
      if (held) yield { alerts: held.items, checkpoint: { modified_time: since } };
      held = page as AlertPage;
      for (const alert of held.items) {
        const at = modifiedTime(alert);
        if (at !== undefined && (newest === null || at > newest)) newest = at;
      }
    }
    const reached =
      newest === null ? null : Math.max(since ?? Number.NEGATIVE_INFINITY, Math.min(newest, started));
    yield { alerts: held?.items ?? [], checkpoint: { modified_time: reached } };
  },
  alertId: (raw) => String((raw as { finding_info: { uid: string } }).finding_info.uid),
  readAhead: true,
  normalize: (raw) => normalizeLeenAlert(raw as Record<string, unknown>) as Record<string, unknown>,
  exportedAs: { module: import.meta.url, name: "leenAlertSource" },
};
