import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { type Logger, silentLogger } from "../connectors/sdk/index.ts";
import { bindConnections, type SavedConnection } from "../engine/bind-connections.ts";
import type { RunOutcome, StartOptions } from "../engine/executor.ts";
import { bareExpression, Expressions, type Scope } from "../engine/expressions.ts";
import {
  type ConnectorCatalog,
  type LoadedPlaybook,
  loadPlaybook,
  PlaybookError,
  type PlaybookIssue,
} from "../engine/load.ts";
import type { StoredAlert } from "../store/alerts.ts";
import type { TriggerRow, TriggerStore } from "./ports.ts";

/** A playbook that starts a run for each new alert matching its `trigger.alert`. */
export interface AlertTrigger {
  /** Absolute path of the playbook file: what `alert_triggers.playbook` records and runs start from. */
  playbook: string;
  name: string;
  /** Only alerts from this connector (any when absent). */
  connector?: string;
  /** JSONata over the OCSF alert; the alert matches when it gives true (always when absent). */
  when?: string;
}

/** The part of the engine a dispatcher uses. */
export interface RunStarter {
  start(path: string, options: StartOptions): Promise<RunOutcome>;
}

/** What one dispatch did for one playbook. */
export interface TriggerReport {
  playbook: string;
  name: string;
  /** Runs created by this dispatch. */
  started: number;
  /** Runs an earlier, interrupted dispatch had created, now recorded against their trigger. */
  recovered: number;
  succeeded: number;
  failed: number;
  /** Waiting for an approval, or still being executed by another process. */
  unfinished: number;
  /** Triggers that could not start (missing playbook, unbound connection…); they stay pending. */
  notStarted: number;
  errors: string[];
  runs: Array<{ alertId: string; runId: string; status: string }>;
}

/** The playbook files of a folder: `*.yaml` / `*.yml`, not the `*.test.yaml` files beside them. */
export async function playbookFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((n) => /\.ya?ml$/.test(n) && !/\.test\.ya?ml$/.test(n))
    .sort()
    .map((n) => resolve(join(dir, n)));
}

/**
 * Loads every playbook of `dir` and returns those with an alert trigger. Any playbook that does not
 * load fails the whole load (a PlaybookError listing every issue), so a broken file is noticed when
 * ingestion starts instead of silently missing the alerts it should have answered.
 */
export async function loadTriggers(dir: string, catalog: ConnectorCatalog): Promise<AlertTrigger[]> {
  const issues: PlaybookIssue[] = [];
  const triggers: AlertTrigger[] = [];
  const byName = new Map<string, string>();
  for (const path of await playbookFiles(dir)) {
    let playbook: LoadedPlaybook;
    try {
      playbook = await loadPlaybook(path, { catalog });
    } catch (error) {
      if (error instanceof PlaybookError) {
        issues.push(...error.issues);
        continue;
      }
      throw error;
    }
    const { name, trigger } = playbook.definition;
    const other = byName.get(name);
    if (other) {
      issues.push({
        file: path,
        line: 1,
        column: 1,
        path: "name",
        message: `playbook name "${name}" is also used by ${other}`,
      });
      continue;
    }
    byName.set(name, path);
    if (!trigger?.alert) continue;
    triggers.push({
      playbook: path,
      name,
      connector: trigger.alert.connector,
      when: trigger.alert.when === undefined ? undefined : bareExpression(trigger.alert.when),
    });
  }
  if (issues.length > 0) throw new PlaybookError(issues);
  return triggers;
}

/** The run a trigger starts has an id derived from (alert, playbook), so no crash or retry can start two. */
export function triggerRunId(alertId: string, playbook: string): string {
  const hex = createHash("sha256").update(`${alertId}\0${playbook}`).digest("hex");
  // UUID-shaped (version 8: custom) so it fits wherever a run id goes.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface TriggerMatcherOptions {
  triggers: readonly AlertTrigger[];
  logger?: Logger;
}

/** Decides which new alerts start which playbooks, and records that with the alerts themselves. */
export class TriggerMatcher {
  readonly triggers: readonly AlertTrigger[];
  readonly #expressions = new Expressions();
  readonly #logger: Logger;

  constructor(options: TriggerMatcherOptions) {
    this.triggers = options.triggers;
    this.#logger = options.logger ?? silentLogger;
    // Compile now: a playbook that loaded has expressions that parse, but fail early all the same.
    for (const t of this.triggers) if (t.when) this.#expressions.compile(t.when);
  }

  /** The triggers an alert matches. A `when` that fails to evaluate counts as no match (and is logged). */
  async match(alert: Pick<StoredAlert, "id" | "connector" | "ocsf">): Promise<AlertTrigger[]> {
    return (await this.#evaluate(alert)).filter((m) => m.error === undefined).map((m) => m.trigger);
  }

  /** Every trigger the alert matches, and every one whose `when` failed for it, with the error. */
  async #evaluate(
    alert: Pick<StoredAlert, "id" | "connector" | "ocsf">,
  ): Promise<Array<{ trigger: AlertTrigger; error?: string }>> {
    const matched: Array<{ trigger: AlertTrigger; error?: string }> = [];
    for (const trigger of this.triggers) {
      if (trigger.connector && trigger.connector !== alert.connector) continue;
      if (trigger.when) {
        let value: unknown;
        try {
          // The alert itself is the expression's root: `severity_id >= 4`, `finding_info.title`.
          value = await this.#expressions.evaluate(trigger.when, alert.ocsf as unknown as Scope);
        } catch (error) {
          const message = (error as Error).message;
          this.#logger.warn("trigger condition failed", {
            playbook: trigger.name,
            alertId: alert.id,
            error: message,
          });
          matched.push({ trigger, error: `trigger.alert.when: ${message}` });
          continue;
        }
        if (value !== true) continue;
      }
      matched.push({ trigger });
    }
    return matched;
  }

  /**
   * The `triggers` hook of polling, asked inside the page's transaction: one row per (new alert,
   * matching playbook), so an alert and the runs it owes commit together or not at all. A `when`
   * that fails for an alert is a row too, marked errored: the page is stored all the same.
   */
  readonly triggersFor = async (alerts: StoredAlert[]): Promise<TriggerRow[]> => {
    const rows: TriggerRow[] = [];
    for (const alert of alerts) {
      for (const { trigger, error } of await this.#evaluate(alert))
        rows.push({ alertId: alert.id, playbook: trigger.playbook, ...(error ? { error } : {}) });
    }
    return rows;
  };
}

export interface TriggerDispatcherOptions {
  store: TriggerStore;
  /** Whether a run with this id exists (a dispatch interrupted after creating it). */
  runExists: (runId: string) => Promise<boolean>;
  engine: RunStarter;
  catalog: ConnectorCatalog;
  /** The saved connections, read once per dispatch. */
  connections: () => Promise<readonly SavedConnection[]>;
  logger?: Logger;
  /** Called as each trigger's run ends (or is found), for progress output. */
  onRun?: (report: { playbook: string; alertId: string; runId: string; outcome: RunOutcome }) => void;
}

/**
 * Starts one run per pending trigger (a row whose `run_id` is still null) and records the run's id.
 * The id is derived from (alert, playbook) and the engine refuses to create a run twice, so a crash
 * anywhere (before the run was created, while it ran, before its id was recorded) is repaired by
 * dispatching again: the run is created, resumed or merely recorded, never doubled.
 */
export class TriggerDispatcher {
  readonly #options: TriggerDispatcherOptions;
  readonly #logger: Logger;

  constructor(options: TriggerDispatcherOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /** How many triggers wait for their run. */
  async pending(): Promise<number> {
    return this.#options.store.countPending();
  }

  /**
   * Runs every pending trigger, oldest first, one at a time (the embedded SQLite store shares one
   * connection, and runs are short). Returns one report per playbook that had pending triggers.
   */
  async dispatch(): Promise<TriggerReport[]> {
    const { store } = this.#options;
    const rows = await store.claimPending();
    const reports = new Map<string, TriggerReport>();
    if (rows.length === 0) return [];
    const saved = await this.#options.connections();
    const playbooks = new Map<string, Promise<LoadedPlaybook>>();
    for (const row of rows) {
      let report = reports.get(row.playbook);
      if (!report) {
        report = {
          playbook: row.playbook,
          name: basename(row.playbook).replace(/\.ya?ml$/, ""),
          started: 0,
          recovered: 0,
          succeeded: 0,
          failed: 0,
          unfinished: 0,
          notStarted: 0,
          errors: [],
          runs: [],
        };
        reports.set(row.playbook, report);
      }
      const runId = triggerRunId(row.alertId, row.playbook);
      try {
        const existed = await this.#options.runExists(runId);
        let options: StartOptions = { runId, alert: row.alert };
        if (!existed) {
          let loading = playbooks.get(row.playbook);
          if (!loading) {
            loading = loadPlaybook(row.playbook, { catalog: this.#options.catalog });
            playbooks.set(row.playbook, loading);
          }
          const playbook = await loading;
          report.name = playbook.definition.name;
          options = {
            ...options,
            connections: bindConnections(playbook, saved, {
              prefer: { name: row.connection, connector: row.connector },
            }),
          };
        }
        const outcome = await this.#options.engine.start(row.playbook, options);
        await store.settle(row.alertId, row.playbook, outcome.runId);
        if (existed) report.recovered++;
        else report.started++;
        if (outcome.status === "succeeded") report.succeeded++;
        else if (outcome.status === "failed" || outcome.status === "cancelled") report.failed++;
        else report.unfinished++;
        report.runs.push({ alertId: row.alertId, runId: outcome.runId, status: outcome.status });
        this.#options.onRun?.({
          playbook: report.name,
          alertId: row.alertId,
          runId: outcome.runId,
          outcome,
        });
      } catch (error) {
        report.notStarted++;
        const message = error instanceof Error ? error.message : String(error);
        if (!report.errors.includes(message)) report.errors.push(message);
        this.#logger.warn("trigger could not start its run", {
          playbook: row.playbook,
          alertId: row.alertId,
          error: message,
        });
      }
    }
    return [...reports.values()];
  }
}
