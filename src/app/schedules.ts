import { type Logger, silentLogger } from "../connectors/sdk/index.ts";
import { type Clock, iso, systemClock } from "../engine/clock.ts";
import type { RunCause } from "../engine/run-store.ts";
import { type CompiledSchedule, dueFiring, scheduleRunId } from "../engine/schedule.ts";

/** One handled firing, as the ledger keeps it (src/store/schedule-firings.ts is the SQL side). */
export interface FiringRow {
  playbook: string;
  /** ISO-8601. */
  fireTime: string;
  runId: string | null;
  outcome: "started" | "caught_up" | "skipped" | "armed";
}

/** The schedule firing ledger: one row per (playbook, fire time). */
export interface FiringLedger {
  latest(playbook: string): Promise<FiringRow | undefined>;
  /** Records a firing; recording one that exists changes nothing. */
  record(firing: FiringRow): Promise<void>;
}

/** A playbook's schedule, as the Scheduler needs it. */
export interface ScheduledPlaybook {
  name: string;
  schedule: CompiledSchedule;
}

export interface SchedulerOptions {
  schedules: readonly ScheduledPlaybook[];
  ledger: FiringLedger;
  /** Starts a run (an id that exists starts nothing) and resolves once it is recorded. */
  startRun(request: { playbook: string; input: unknown; runId: string; cause: RunCause }): Promise<string>;
  clock?: Clock;
  logger?: Logger;
  /** A firing at most this old is on time; older ones were missed (default 60 s). */
  graceMs?: number;
  /** How soon a firing whose run could not start is tried again (default 30 s). */
  retryMs?: number;
}

/** What one tick did for one schedule. */
export interface FiringReport {
  playbook: string;
  fireTime: string;
  outcome: FiringRow["outcome"] | "not_started";
  runId: string | null;
  /** Earlier missed firings that got no run of their own. */
  skipped: number;
  error?: string;
}

// setTimeout holds at most ~24.8 days; waking hourly also follows a clock that was set.
const MAX_SLEEP_MS = 3_600_000;

/**
 * Starts each schedule's runs: every firing exactly one run whose id derives from (playbook, fire
 * time), so a crash after the start and before the ledger row is repaired, never doubled, by the
 * next tick; firings missed while down start one catch-up run (the latest), or none.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #graceMs: number;
  readonly #retryMs: number;
  #stop?: AbortController;
  #loop?: Promise<void>;
  #failed = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#graceMs = options.graceMs ?? 60_000;
    this.#retryMs = options.retryMs ?? 30_000;
  }

  /** Starts every firing due at `now` (epoch ms) and records it; one report per schedule that acted. */
  async tick(now = this.#clock.now()): Promise<FiringReport[]> {
    const reports: FiringReport[] = [];
    this.#failed = false;
    for (const { name, schedule } of this.#options.schedules) {
      const report = await this.#fire(name, schedule, now);
      if (report) reports.push(report);
    }
    return reports;
  }

  async #fire(playbook: string, schedule: CompiledSchedule, now: number): Promise<FiringReport | undefined> {
    const { ledger } = this.#options;
    const latest = await ledger.latest(playbook);
    let lastHandled: number;
    if (latest) lastHandled = Date.parse(latest.fireTime);
    else {
      // A schedule seen for the first time owes nothing from before it was armed, except a firing on time now.
      const base = schedule.latestAtOrBefore(now);
      if (base === undefined) return undefined;
      if (now - base > this.#graceMs) {
        await ledger.record({ playbook, fireTime: iso(base), runId: null, outcome: "armed" });
        return { playbook, fireTime: iso(base), outcome: "armed", runId: null, skipped: 0 };
      }
      lastHandled = base - 1;
    }
    const due = dueFiring(schedule, lastHandled, now, this.#graceMs);
    if (!due) return undefined;
    const fireTime = iso(due.fireTime);
    if (due.missed && schedule.catchUp === "none") {
      await ledger.record({ playbook, fireTime, runId: null, outcome: "skipped" });
      this.#logger.info("schedule firing missed, not caught up (catch_up: none)", { playbook, fireTime });
      return { playbook, fireTime, outcome: "skipped", runId: null, skipped: due.skipped };
    }
    const runId = scheduleRunId(playbook, due.fireTime);
    try {
      await this.#options.startRun({
        playbook,
        input: structuredClone(schedule.input),
        runId,
        cause: { kind: "schedule", fireTime, catchUp: due.missed },
      });
    } catch (error) {
      // Not recorded: the next tick tries this firing again (with the same run id).
      this.#failed = true;
      const message = (error as Error).message;
      this.#logger.warn("schedule firing could not start its run", { playbook, fireTime, error: message });
      return {
        playbook,
        fireTime,
        outcome: "not_started",
        runId: null,
        skipped: due.skipped,
        error: message,
      };
    }
    const outcome = due.missed ? "caught_up" : "started";
    await ledger.record({ playbook, fireTime, runId, outcome });
    return { playbook, fireTime, outcome, runId, skipped: due.skipped };
  }

  /** The next moment a tick has work (epoch ms), after `now`. */
  nextWake(now = this.#clock.now()): number {
    let wake = now + MAX_SLEEP_MS;
    for (const { schedule } of this.#options.schedules) {
      const next = schedule.nextAfter(now);
      if (next !== undefined) wake = Math.min(wake, next);
    }
    if (this.#failed) wake = Math.min(wake, now + this.#retryMs);
    return wake;
  }

  /** Ticks now and then at each next firing, until `stop()`. */
  start(): void {
    if (this.#loop) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#loop = (async () => {
      while (!stop.signal.aborted) {
        try {
          await this.tick();
        } catch (error) {
          this.#failed = true;
          this.#logger.error("schedule tick failed", { error: (error as Error).message });
        }
        const now = this.#clock.now();
        try {
          await this.#clock.sleep(Math.max(0, this.nextWake(now) - now), stop.signal);
        } catch {
          // stopped
        }
      }
    })();
  }

  /** Stops the timer and waits for a tick in progress to finish. */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#loop;
    this.#loop = undefined;
  }
}
