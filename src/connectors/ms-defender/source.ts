import type { AlertSource } from "../sdk/index.ts";
import { type DefenderAlert, normalizeDefenderAlert } from "./normalize.ts";

export interface DefenderCheckpoint {
  /**
   * Highest `lastUpdateTime` stored (ISO 8601, milliseconds); the next poll asks for
   * `lastUpdateTime ge` this. Absent while the very first listing is still being stored.
   */
  lastUpdateTime?: string;
}

export interface DefenderSourceOptions {
  /** `$top` of each page. Large pages keep a poll far under the 100 calls a minute quota. */
  pageSize?: number;
}

interface AlertPage {
  value: DefenderAlert[];
}

/** Epoch ms of a Defender timestamp; Date.parse drops digits past the millisecond, so a `ge` on it keeps the boundary. */
const msOf = (value: unknown): number => (typeof value === "string" ? Date.parse(value) : Number.NaN);

/**
 * Defender alerts changed since the checkpoint: `lastUpdateTime` moves on every change (new alert,
 * status, classification, assignment, comment), so one filter yields new and updated alerts alike.
 *
 * The listing is ordered by creation time, not by update time, so a later page may still hold an
 * alert updated before one already seen. Only the last page therefore carries the advanced
 * checkpoint; earlier pages repeat the old one, and a poll that fails midway is fetched again from
 * the old checkpoint (the store drops the duplicates) instead of skipping alerts.
 */
export function createDefenderAlertSource(
  options: DefenderSourceOptions = {},
): AlertSource<DefenderCheckpoint> {
  const top = options.pageSize ?? 1000;
  return {
    async *poll({ client, checkpoint, signal }) {
      const start: DefenderCheckpoint = checkpoint ?? {};
      const input: Record<string, unknown> = { expandEvidence: true, top };
      const since = msOf(start.lastUpdateTime);
      if (!Number.isNaN(since)) input.updatedSince = new Date(since).toISOString();
      let reached = since;
      let held: DefenderAlert[] = [];
      let first = true;
      for await (const page of client.pages("listAlerts", input, { signal })) {
        // Each page is held back until the next one arrives: only the last may advance the checkpoint.
        if (!first) yield { alerts: held, checkpoint: start };
        first = false;
        held = (page as AlertPage).value;
        for (const alert of held) {
          const updated = msOf(alert.lastUpdateTime);
          if (!Number.isNaN(updated) && !(updated <= reached)) reached = updated;
        }
      }
      const end = Number.isNaN(reached) ? start : { lastUpdateTime: new Date(reached).toISOString() };
      yield { alerts: held, checkpoint: end };
    },
    alertId: (raw) => String((raw as { id: string }).id),
    readAhead: true,
    normalize: (raw) => normalizeDefenderAlert(raw as DefenderAlert),
    // alertId and normalize are the same whatever the options, so any instance maps like this one.
    exportedAs: { module: import.meta.url, name: "defenderAlertSource" },
  };
}

/** The source Rampart registers for ms-defender, with 1000-alert pages. */
export const defenderAlertSource: AlertSource<DefenderCheckpoint> = createDefenderAlertSource();
