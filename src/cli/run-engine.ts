import type { Command } from "commander";
import { Runtime } from "../app/runtime.ts";
import { type ConnectorRegistry, defaultRegistry } from "../connectors/registry.ts";
import type { ClientPool, Logger } from "../connectors/sdk/index.ts";
import { bindConnections } from "../engine/bind-connections.ts";
import type { Engine, RunEvent, RunOutcome } from "../engine/executor.ts";
import { type LoadedPlaybook, PlaybookError } from "../engine/load.ts";
import type { ConnectionStore } from "../store/connections.ts";
import type { Database, StoreLocation } from "../store/database.ts";
import type { SqlRunStore } from "../store/runs.ts";
import { storeOf } from "./connection-store.ts";
import { registryOf } from "./connector-registry.ts";
import { EXIT, ExitCode, UsageError } from "./failure.ts";

export interface EngineSession {
  engine: Engine;
  runs: SqlRunStore;
  connections: ConnectionStore;
  /** The connectors of this session: the shipped ones and those from connector files. */
  registry: ConnectorRegistry;
  /** One client per saved connection, shared by playbooks and ingestion. */
  clients: ClientPool;
  /** The one database handle of the process, for anything else the command needs (alerts, sources). */
  database: Database;
}

/**
 * Opens the data dir through the service's own composition root (`Runtime`), runs `fn` with its
 * parts, and closes everything. A command executes runs in its own process (no Worker, no parked
 * waits): `rampart run` sleeps through a `wait` as a one-shot command should.
 */
export async function withEngine<T>(
  store: StoreLocation,
  options: { onEvent?: (event: RunEvent) => void; logger?: Logger; registry?: ConnectorRegistry },
  fn: (session: EngineSession) => Promise<T>,
): Promise<T> {
  const runtime = await Runtime.open({
    dataDir: store.dataDir,
    databaseUrl: store.url,
    registry: options.registry ?? defaultRegistry(),
    logger: options.logger,
    parkWaitsOverMs: Number.POSITIVE_INFINITY,
  });
  const unsubscribe = options.onEvent ? runtime.events.subscribe(options.onEvent) : () => {};
  try {
    return await fn({
      engine: runtime.engine,
      runs: runtime.runs,
      connections: runtime.connections,
      registry: runtime.registry,
      clients: runtime.clients,
      database: runtime.database,
    });
  } finally {
    unsubscribe();
    await runtime.stop(0);
  }
}

/** withEngine in the command's data dir, with the command's connectors (connector files included). */
export async function withCommandEngine<T>(
  command: Command,
  options: { onEvent?: (event: RunEvent) => void; logger?: Logger },
  fn: (session: EngineSession) => Promise<T>,
): Promise<T> {
  return withEngine(storeOf(command), { ...options, registry: await registryOf(command) }, fn);
}

/** Binds a playbook's connection aliases for `rampart run`: `--connection alias=name` flags first. */
export async function bindConnectionFlags(
  playbook: LoadedPlaybook,
  flags: string[],
  connections: ConnectionStore,
): Promise<Record<string, string>> {
  const explicit: Record<string, string> = {};
  for (const flag of flags) {
    const match = /^([^=]+)=(.+)$/.exec(flag);
    if (!match) throw new UsageError(`--connection ${flag}: expected alias=name`);
    explicit[match[1]!.trim()] = match[2]!.trim();
  }
  return bindConnections(playbook, await connections.list(), { explicit });
}

/** Prints a playbook's problems one per line (file:line:col: sentence) and exits 2. */
export function reportPlaybookError(error: unknown): never {
  if (!(error instanceof PlaybookError)) throw error;
  for (const issue of error.issues) {
    process.stderr.write(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}\n`);
  }
  throw new ExitCode(EXIT.invalidInput);
}

const MARK: Record<string, string> = {
  queued: "·",
  running: "…",
  waiting: "⏸",
  succeeded: "✓",
  failed: "✗",
  retrying: "↻",
  interrupted: "!",
  replayed: "=",
};

/** One line per step transition, as the engine reports it. */
export function eventPrinter(write: (line: string) => void): (event: RunEvent) => void {
  return (event) => {
    if (event.type === "run") {
      write(`run ${event.runId} ${event.playbook}: ${event.status}`);
      return;
    }
    const parts = [`  ${MARK[event.status] ?? "·"} ${event.key} (${event.stepType})`, event.status];
    if (event.attempt > 1) parts.push(`attempt ${event.attempt}`);
    if (event.httpStatus) parts.push(`HTTP ${event.httpStatus}`);
    if (event.durationMs !== undefined) parts.push(`${event.durationMs}ms`);
    if (event.error) parts.push(`${event.error.type}: ${event.error.message}`);
    write(parts.join("  "));
  };
}

/** Prints a run's outcome (JSON on stdout with --json) and fails the command when the run failed. */
export function printOutcome(outcome: RunOutcome, json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  else if (outcome.status === "waiting") {
    for (const w of outcome.waiting) {
      if (w.kind === "wait") {
        process.stdout.write(`waiting at ${w.key} until ${w.deadline}\n`);
        continue;
      }
      const message = typeof w.message === "string" ? w.message : JSON.stringify(w.message);
      process.stdout.write(
        `waiting for approval of ${w.key} until ${w.deadline}${message ? `: ${message}` : ""}\n`,
      );
    }
    if (outcome.waiting.some((w) => w.kind === "approval"))
      process.stdout.write(
        `decide with: rampart runs approve ${outcome.runId}  |  rampart runs reject ${outcome.runId}\n`,
      );
  } else {
    if (outcome.message) process.stdout.write(`message: ${outcome.message}\n`);
    if (outcome.error) process.stdout.write(`error: ${outcome.error.type}: ${outcome.error.message}\n`);
    process.stdout.write(`outputs: ${JSON.stringify(outcome.outputs, null, 2)}\n`);
  }
  if (outcome.status === "failed" || outcome.status === "cancelled") throw new ExitCode(EXIT.failed);
}
