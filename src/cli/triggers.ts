import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ConnectorRegistry } from "../connectors/registry.ts";
import {
  type AlertTrigger,
  loadTriggers,
  TriggerDispatcher,
  type TriggerDispatcherOptions,
  type TriggerReport,
} from "../ingest/triggers.ts";
import { SqlTriggerStore } from "../store/triggers.ts";
import { UsageError } from "./failure.ts";
import type { EngineSession } from "./run-engine.ts";
import { reportPlaybookError } from "./run-engine.ts";
import { table } from "./table.ts";

/**
 * The playbooks folder of `rampart ingest`: `--playbooks <dir>` (which must exist), else
 * `./playbooks` when it exists, else none (alerts are stored, nothing is triggered).
 */
export function playbooksDirOf(flag: string | undefined): string | undefined {
  if (flag !== undefined) {
    const dir = resolve(flag);
    if (!existsSync(dir)) throw new UsageError(`--playbooks ${flag}: no such folder`);
    return dir;
  }
  const fallback = resolve("playbooks");
  return existsSync(fallback) ? fallback : undefined;
}

/** Loads the folder's triggers; a playbook that does not load is printed (file:line:col) and exits 2. */
export async function triggersOf(
  dir: string | undefined,
  registry: ConnectorRegistry,
): Promise<AlertTrigger[]> {
  if (!dir) return [];
  try {
    return await loadTriggers(dir, registry);
  } catch (error) {
    reportPlaybookError(error);
  }
}

/** A dispatcher over the session's engine and saved connections. */
export function dispatcherOf(
  session: EngineSession,
  write?: (line: string) => void,
  onRun?: TriggerDispatcherOptions["onRun"],
): TriggerDispatcher {
  return new TriggerDispatcher({
    store: new SqlTriggerStore(session.database.db),
    runExists: async (runId) => (await session.runs.getRun(runId)) !== undefined,
    engine: session.engine,
    catalog: session.registry,
    connections: () => session.connections.list(),
    onRun: (run) => {
      const { playbook, runId, outcome } = run;
      write?.(
        `run ${runId} ${playbook}: ${outcome.status}` +
          (outcome.message ? ` (${outcome.message})` : "") +
          (outcome.error ? ` ${outcome.error.type}: ${outcome.error.message}` : ""),
      );
      onRun?.(run);
    },
  });
}

/** One row per playbook: how many runs its trigger started and how they ended. */
export function triggerTable(reports: readonly TriggerReport[]): string {
  return table(
    ["PLAYBOOK", "RUNS STARTED", "RECOVERED", "SUCCEEDED", "FAILED", "UNFINISHED", "NOT STARTED", "ERROR"],
    reports.map((r) => [
      r.name,
      String(r.started),
      String(r.recovered),
      String(r.succeeded),
      String(r.failed),
      String(r.unfinished),
      String(r.notStarted),
      r.errors[0] ?? "",
    ]),
  );
}
