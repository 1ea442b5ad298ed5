import type { AlertSource } from "../sdk/index.ts";
import { normalizeCanaryIncident } from "./normalize.ts";

interface FeedPage {
  incidents: Array<{ id: string; updated_id: number }>;
  max_updated_id?: number;
}

export interface CanaryCheckpoint {
  /** Highest `updated_id` stored; the next poll asks for `incidents_since` this. */
  max_updated_id: number;
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
      const feed = page as FeedPage;
      for (const incident of feed.incidents) reached = Math.max(reached, incident.updated_id);
      yield { alerts: feed.incidents, checkpoint: { max_updated_id: reached } };
    }
  },
  alertId: (raw) => String((raw as { id: string }).id),
  readAhead: true,
  normalize: (raw) =>
    normalizeCanaryIncident(raw as Parameters<typeof normalizeCanaryIncident>[0]) as Record<string, unknown>,
};
