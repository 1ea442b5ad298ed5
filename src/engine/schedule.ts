import { Cron } from "croner";
import { ValidationError } from "../connectors/sdk/index.ts";
import type { ScheduleTrigger } from "./playbook-schema.ts";
import { derivedRunId } from "./run-id.ts";

/** A playbook's `trigger.schedule`, checked and ready to tell its firings. */
export interface CompiledSchedule {
  cron: string;
  timezone: string;
  input: unknown;
  catchUp: "one" | "none";
  /** The first firing strictly after `after` (epoch ms), or undefined when the pattern never fires again. */
  nextAfter(after: number): number | undefined;
  /** The latest firing at or before `at` (epoch ms), or undefined when there was none. */
  latestAtOrBefore(at: number): number | undefined;
}

/** Compiles a schedule; a bad pattern or time zone is a ValidationError naming `cron` or `timezone`. */
export function compileSchedule(trigger: ScheduleTrigger): CompiledSchedule {
  const timezone = trigger.timezone ?? "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch {
    throw new ValidationError(`"${timezone}" is not an IANA time zone (e.g. UTC, Europe/Berlin)`, {
      field: "timezone",
    });
  }
  let cron: Cron;
  try {
    cron = new Cron(trigger.cron, { timezone, paused: true, mode: "5-or-6-parts" });
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, "");
    throw new ValidationError(`"${trigger.cron}" is not a cron pattern: ${reason}`, { field: "cron" });
  }
  return {
    cron: trigger.cron,
    timezone,
    input: trigger.input ?? {},
    catchUp: trigger.catch_up ?? "one",
    nextAfter: (after) => cron.nextRun(new Date(after))?.getTime(),
    // previousRuns excludes a firing at exactly its reference instant; one millisecond later includes it.
    latestAtOrBefore: (at) => cron.previousRuns(1, new Date(at + 1))[0]?.getTime(),
  };
}

/** What a tick owes one schedule: the firing to start now, if any, and whether it is a catch-up. */
export interface DueFiring {
  fireTime: number;
  /** The firing's own moment is past the grace: it was missed (the process was down or busy). */
  missed: boolean;
  /** Earlier firings since the last handled one that get no run (only the latest is owed), for the log. */
  skipped: number;
}

/**
 * The firing a schedule owes at `now`, given the latest firing already handled (`lastHandled`, epoch
 * ms) or, for a schedule never fired, the moment it was first armed. A firing at most `graceMs` old
 * is on time; older ones were missed, and of those only the latest is owed.
 */
export function dueFiring(
  schedule: CompiledSchedule,
  lastHandled: number,
  now: number,
  graceMs: number,
): DueFiring | undefined {
  const first = schedule.nextAfter(lastHandled);
  if (first === undefined || first > now) return undefined;
  const latest = schedule.latestAtOrBefore(now) ?? first;
  const skipped = latest === first ? 0 : countBetween(schedule, lastHandled, latest - 1);
  return { fireTime: latest, missed: now - latest > graceMs, skipped };
}

// Counts for the log line only; capped so a per-second schedule down for a month costs nothing.
function countBetween(schedule: CompiledSchedule, after: number, until: number): number {
  let count = 0;
  for (let t = schedule.nextAfter(after); t !== undefined && t <= until && count < 10_000; count++)
    t = schedule.nextAfter(t);
  return count;
}

/** The id of the run a firing starts: derived from (playbook, fire time), so a retried start never doubles it. */
export function scheduleRunId(playbook: string, fireTime: number): string {
  return derivedRunId(`schedule\0${playbook}\0${new Date(fireTime).toISOString()}`);
}
