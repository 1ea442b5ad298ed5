import type { PollReport } from "../ingest/poll-source.ts";
import { SEVERITY, type SeverityId, STATUS, type StatusId } from "../ocsf/enums.ts";
import { table } from "./table.ts";

/** One row per polled source: pages, new / updated / unchanged alerts, and its error if it failed. */
export function sourceReportTable(reports: readonly PollReport[]): string {
  return table(
    ["SOURCE", "PAGES", "NEW", "UPDATED", "UNCHANGED", "ERROR"],
    reports.map((r) => [
      r.source,
      String(r.pages),
      String(r.new),
      String(r.updated),
      String(r.unchanged),
      r.error ? `${r.error.type}: ${r.error.message}` : "",
    ]),
  );
}

/** OCSF's caption for a severity_id (the id itself when OCSF has none). */
export function severityName(id: number): string {
  return SEVERITY[id as SeverityId] ?? String(id);
}

/** OCSF's caption for a Detection Finding status_id. */
export function statusName(id: number): string {
  return STATUS[id as StatusId] ?? String(id);
}
