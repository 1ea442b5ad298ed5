import type { PollReport } from "../ingest/poll-source.ts";
import { SEVERITY, type SeverityId, STATUS, type StatusId } from "../ocsf/enums.ts";
import { table } from "./table.ts";

/**
 * One row per polled source: pages, new / updated / unchanged alerts, records that could not be
 * mapped (kept raw), and its error if it failed; a line after it points to the rejects.
 */
export function sourceReportTable(reports: readonly PollReport[]): string {
  const rows = table(
    ["SOURCE", "PAGES", "NEW", "UPDATED", "UNCHANGED", "REJECTED", "ERROR"],
    reports.map((r) => [
      r.source,
      String(r.pages),
      String(r.new),
      String(r.updated),
      String(r.unchanged),
      String(r.rejected),
      r.error ? `${r.error.type}: ${r.error.message}` : "",
    ]),
  );
  const hints = reports
    .filter((r) => r.rejected > 0)
    .map(
      (r) =>
        `${r.source}: ${r.rejected} record(s) could not be mapped to an alert and were kept raw; see rampart source rejects ${r.source}`,
    );
  return [rows, ...hints].join("\n");
}

/** OCSF's caption for a severity_id (the id itself when OCSF has none). */
export function severityName(id: number): string {
  return SEVERITY[id as SeverityId] ?? String(id);
}

/** OCSF's caption for a Detection Finding status_id. */
export function statusName(id: number): string {
  return STATUS[id as StatusId] ?? String(id);
}
