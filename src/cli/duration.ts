import { ValidationError } from "../connectors/sdk/index.ts";
import { DURATION_PATTERN, parseDuration } from "../engine/duration.ts";

/** An ISO date-time or a duration ago ("24h" = the last 24 hours) → epoch ms. */
export function parseSince(text: string, flag: string, now = Date.now()): number {
  if (new RegExp(DURATION_PATTERN).test(text.trim())) return now - parseDuration(text, flag);
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
