import { ValidationError } from "../connectors/sdk/index.ts";

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The pattern durations follow everywhere (playbooks, CLI flags): `500ms`, `30s`, `5m`, `2h`, `1d`, `1w`. */
export const DURATION_PATTERN = "^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d|w)$";

/** A duration such as `30s` in milliseconds; `field` names what was given in the error. */
export function parseDuration(text: string, field: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) {
    throw new ValidationError(
      `${field} must be a duration such as 500ms, 30s, 5m, 2h or 1d (got "${text}")`,
      { field },
    );
  }
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}
