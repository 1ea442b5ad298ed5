import type { AlertSource } from "../sdk/index.ts";
import { type CanaryIncidentRecord, canaryIncidentKey, normalizeCanaryIncident } from "./normalize.ts";

interface FeedPage {
  /** null on the page a cursor walk ends with. */
  incidents?: unknown[] | null;
}

export interface CanaryCheckpoint {
  /** Highest `updated_id` stored; the next poll asks for `incidents_since` this. */
  max_updated_id: number;
}

/** An entry's `updated_id` (a number on the wire; read leniently so one odd entry cannot stop the feed). */
function updatedIdOf(entry: unknown): number | undefined {
  const value = (entry as { updated_id?: unknown } | null)?.updated_id;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Incidents in change order: the console bumps an incident's `updated_id` on every change
 * (new, acknowledged, new events), so `incidents_since` yields new and changed incidents alike.
 */
export const canaryAlertSource: AlertSource<CanaryCheckpoint> = {
  async *poll({ client, checkpoint }) {
    const since = checkpoint?.max_updated_id ?? 0;
    let reached = since;
    for await (const page of client.pages("listAllIncidents", { incidents_since: since })) {
      const incidents = (page as FeedPage).incidents ?? [];
      for (const incident of incidents) reached = Math.max(reached, updatedIdOf(incident) ?? reached);
      yield { alerts: incidents, checkpoint: { max_updated_id: reached } };
    }
  },
  // The listing entry's `id`: the flat incident under `description` carries no key of its own.
  alertId: canaryIncidentKey,
  readAhead: true,
  normalize: (raw) => normalizeCanaryIncident(raw as CanaryIncidentRecord) as Record<string, unknown>,
  exportedAs: { module: import.meta.url, name: "canaryAlertSource" },
};
