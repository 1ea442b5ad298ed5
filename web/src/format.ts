export const SEVERITIES = ["unknown", "informational", "low", "medium", "high", "critical", "fatal"] as const;
export const SEVERITY_CAPTION: Record<number, string> = {
  0: "Unknown",
  1: "Informational",
  2: "Low",
  3: "Medium",
  4: "High",
  5: "Critical",
  6: "Fatal",
  99: "Other",
};
export const ALERT_STATUSES = ["new", "in_progress", "suppressed", "resolved", "archived"] as const;
export const STATUS_CAPTION: Record<number, string> = {
  0: "Unknown",
  1: "New",
  2: "In progress",
  3: "Suppressed",
  4: "Resolved",
  5: "Archived",
  99: "Other",
};
export const TRIAGE_STATUSES = ["new", "in_progress", "suppressed", "resolved"] as const;

/** A time as the analyst's local date and time, to the second. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function duration(fromIso: string, toIso: string | null): string {
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Any value as one line of text (vendor data is shown, never interpreted). */
export function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
