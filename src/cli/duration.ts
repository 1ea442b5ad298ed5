import { ValidationError } from "../connectors/sdk/index.ts";

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "90s", "5m", "1h", "2d" → milliseconds; `flag` names the option in the error. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match)
    throw new ValidationError(`${flag} must be a duration like 30s, 5m, 1h or 2d (got "${text}")`, {
      field: flag,
    });
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** An ISO date-time or a duration ago ("24h" = the last 24 hours) → epoch ms. */
export function parseSince(text: string, flag: string, now = Date.now()): number {
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d|w)$/.test(text.trim())) return now - parseDuration(text, flag);
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new ValidationError(`${flag} must be an ISO date-time or a duration like 24h`, { field: flag });
  return time;
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
