import type { AlertSource } from "../connectors/sdk/index.ts";

/** A record of a page that could not be mapped: its place in the page, its vendor id when known, and why. */
export interface RecordReject {
  index: number;
  vendorId?: string;
  reason: string;
}

/** A page's records turned into alerts, in order, and those that could not be, kept apart. */
export interface NormalizedPage<T> {
  alerts: Array<{ vendorId: string; value: T }>;
  rejects: RecordReject[];
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return `${(error as { type?: string }).type ?? error.name}: ${error.message}`;
  return `Error: ${String(error)}`;
}

/**
 * Maps each raw record of a page: its vendor id and OCSF finding, then `keep` (the stored form).
 * One record that fails any of these is a reject with its reason; it never fails the page.
 * Pure apart from the source's own functions, so a worker thread runs it too.
 */
export function normalizeRecords<T>(
  source: AlertSource,
  raws: readonly unknown[],
  keep: (ocsf: Record<string, unknown>) => T,
): NormalizedPage<T> {
  const page: NormalizedPage<T> = { alerts: [], rejects: [] };
  for (let index = 0; index < raws.length; index++) {
    const raw = raws[index];
    let vendorId: string | undefined;
    try {
      const id = source.alertId(raw);
      if (typeof id !== "string" || id === "") throw new Error("the record has no vendor id");
      vendorId = id;
      const ocsf = source.normalize(raw);
      if (typeof ocsf !== "object" || ocsf === null) throw new Error("normalize returned no finding");
      page.alerts.push({ vendorId, value: keep(ocsf) });
    } catch (error) {
      const reject: RecordReject = { index, reason: reasonOf(error) };
      if (vendorId !== undefined) reject.vendorId = vendorId;
      page.rejects.push(reject);
    }
  }
  return page;
}
