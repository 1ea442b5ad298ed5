const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The pattern the playbook schema accepts for durations: `500ms`, `30s`, `5m`, `2h`, `1d`. */
export const DURATION_PATTERN = "^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$";

/** A duration such as `30s` in milliseconds. */
export function parseDuration(text: string, field: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`${field} must be a duration such as 500ms, 30s, 5m, 2h or 1d (got "${text}")`);
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}
