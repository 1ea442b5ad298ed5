import { randomUUID } from "node:crypto";
import type { ConnectorRegistry } from "../connectors/registry.ts";
import { vendors } from "../connectors/registry.ts";
import { ClientPool, type Logger, Redactor, silentLogger } from "../connectors/sdk/index.ts";
import { type Clock, systemClock } from "../engine/clock.ts";
import { Engine, type RunEvent, type StartOptions } from "../engine/executor.ts";
import { ConnectorCaller } from "../engine/operation-caller.ts";
import { createScriptRunner } from "../engine/sandbox/index.ts";
import { Ingestor } from "../ingest/ingest.ts";
import type { PollReport } from "../ingest/poll-source.ts";
import { type AlertTrigger, loadTriggers, TriggerDispatcher, TriggerMatcher } from "../ingest/triggers.ts";
import { AlertStore } from "../store/alerts.ts";
import { ConnectionStore } from "../store/connections.ts";
import { type Database, openDatabase } from "../store/database.ts";
import { SqlIngestStore } from "../store/ingest-store.ts";
import { SqlRunStore } from "../store/runs.ts";
import { SqlFiringLedger } from "../store/schedule-firings.ts";
import { openSecretBox } from "../store/secrets.ts";
import { SourceStore } from "../store/sources.ts";
import { SqlTriggerStore } from "../store/triggers.ts";
import { SqlDeliveryLedger, WebhookSecretStore } from "../store/webhooks.ts";
import { EngineRuns } from "./engine-runs.ts";
import { RunEventBus } from "./run-events.ts";
import { Scheduler } from "./schedules.ts";
import { loadTriggerPlaybooks, type TriggerPlaybooks } from "./trigger-playbooks.ts";

export interface RuntimeOptions {
  dataDir: string;
  registry: ConnectorRegistry;
  /** The playbooks the service answers with (triggers, webhooks, schedules, the API's list). */
  playbooksDir?: string;
  logger?: Logger;
  clock?: Clock;
  /** How often parked runs are looked at: approvals decided or expired, runs whose executor died (default 1 s). */
  sweepMs?: number;
}

/**
 * Everything the service runs over one data dir, composed once: the store, one client per saved
 * connection (shared by ingestion and playbooks), the engine, the playbooks, and the background
 * parts (ingestion, trigger dispatch, schedules, the sweep of parked runs) started by `start()`.
 */
export class Runtime {
  readonly database: Database;
  readonly registry: ConnectorRegistry;
  readonly connections: ConnectionStore;
  readonly sources: SourceStore;
  readonly alerts: AlertStore;
  readonly runs: SqlRunStore;
  readonly clients: ClientPool;
  readonly engine: Engine;
  readonly events = new RunEventBus();
  readonly playbooks: TriggerPlaybooks;
  readonly playbooksDir?: string;
  readonly starter: EngineRuns;
  readonly webhookSecrets: WebhookSecretStore;
  readonly deliveries: SqlDeliveryLedger;
  readonly logger: Logger;
  /** The latest report of each source, for the API's source status. */
  readonly lastPolls = new Map<string, PollReport & { at: string }>();
  readonly #pollListeners: Array<(report: PollReport) => void> = [];

  readonly #scripts: ReturnType<typeof createScriptRunner>;
  readonly #alertTriggers: AlertTrigger[];
  readonly #clock: Clock;
  readonly #sweepMs: number;
  readonly #background: Promise<unknown>[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();
  #stop?: AbortController;
  #scheduler?: Scheduler;
  #ingestor?: Ingestor;
  #dispatching?: Promise<void>;
  #dispatchAgain = false;
  #secrets = new Redactor();

  private constructor(parts: {
    database: Database;
    options: RuntimeOptions;
    playbooks: TriggerPlaybooks;
    alertTriggers: AlertTrigger[];
  }) {
    const { database, options } = parts;
    this.database = database;
    this.registry = options.registry;
    this.playbooksDir = options.playbooksDir;
    this.logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#sweepMs = options.sweepMs ?? 1000;
    const box = openSecretBox({ dataDir: options.dataDir });
    this.connections = new ConnectionStore({ database, connectors: options.registry, secrets: box });
    this.sources = new SourceStore(database.db);
    this.alerts = new AlertStore(database.db);
    this.runs = new SqlRunStore(database);
    this.clients = new ClientPool({
      catalog: options.registry,
      connection: (name) => this.connections.get(name),
      client: { logger: this.logger },
    });
    this.#scripts = createScriptRunner();
    this.playbooks = parts.playbooks;
    this.#alertTriggers = parts.alertTriggers;
    let starter: EngineRuns | undefined;
    this.engine = new Engine({
      store: this.runs,
      catalog: options.registry,
      caller: new ConnectorCaller(this.clients),
      scripts: this.#scripts,
      clock: this.#clock,
      logger: this.logger,
      onEvent: (event: RunEvent) => {
        starter?.onEvent(event);
        this.events.emit(event);
      },
    });
    starter = new EngineRuns({
      engine: this.engine,
      store: this.runs,
      playbook: (name) => this.playbooks.byName.get(name)?.playbook,
      connections: () => this.connections.list(),
    });
    this.starter = starter;
    this.webhookSecrets = new WebhookSecretStore({ database, secrets: box });
    this.deliveries = new SqlDeliveryLedger(database);
  }

  /** Opens the data dir and loads the playbooks; a playbook that does not load fails the open with every issue. */
  static async open(options: RuntimeOptions): Promise<Runtime> {
    const database = await openDatabase({ dataDir: options.dataDir });
    try {
      const playbooks = options.playbooksDir
        ? await loadTriggerPlaybooks(options.playbooksDir, options.registry)
        : emptyPlaybooks();
      const alertTriggers = options.playbooksDir
        ? await loadTriggers(options.playbooksDir, options.registry)
        : [];
      return new Runtime({ database, options, playbooks, alertTriggers });
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  /** Runs `work` in the background, tracked so `stop` can wait for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.then(
      () => this.#inFlight.delete(work),
      (error) => {
        this.#inFlight.delete(work);
        this.logger.warn("background work failed", { error: (error as Error).message });
      },
    );
    return work;
  }

  /**
   * Starts a run in the background and resolves with its id once it is recorded; a start refused
   * before anything is recorded (a missing connection, a bad input) rejects with that error.
   */
  async startRun(path: string, options: StartOptions = {}): Promise<string> {
    const runId = options.runId ?? randomUUID();
    let unsubscribe = () => {};
    const recorded = new Promise<void>((resolve) => {
      unsubscribe = this.events.subscribe((e) => {
        if (e.type === "run" && e.runId === runId && (e.status === "started" || e.status === "resumed"))
          resolve();
      });
    });
    const started = this.engine.start(path, { ...options, runId });
    this.track(started);
    try {
      await Promise.race([recorded, started]);
    } finally {
      unsubscribe();
    }
    return runId;
  }

  /** Has ingestion look at its sources now (one was added, resumed or changed). */
  wakeIngestion(): void {
    this.#ingestor?.wake();
  }

  /** Calls `listener` with each source's report after every poll. */
  onPoll(listener: (report: PollReport) => void): void {
    this.#pollListeners.push(listener);
  }

  /** Continues a parked or orphaned run in the background. */
  resumeSoon(runId: string): void {
    this.track(this.engine.resume(runId));
  }

  /** Re-reads every saved connection's secrets (after a connection is added or changed). */
  async refreshSecrets(): Promise<void> {
    this.#secrets = new Redactor(await this.connections.secretValues());
  }

  /** `text` with every saved connection's secrets hidden. */
  readonly redact = (text: string): string => this.#secrets.text(text);

  /** Starts ingestion, trigger dispatch, the schedules and the sweep of parked runs; returns at once. */
  async start(): Promise<void> {
    if (this.#stop) return;
    await this.refreshSecrets();
    const stop = new AbortController();
    this.#stop = stop;
    const matcher = new TriggerMatcher({ triggers: this.#alertTriggers });
    this.#ingestor = new Ingestor({
      store: new SqlIngestStore(this.database.db),
      vendors,
      client: (name) => this.clients.get(name),
      triggers: this.#alertTriggers.length > 0 ? matcher.triggersFor : undefined,
      redact: this.redact,
    });
    // Orphans and pending triggers a stopped service left behind go first, beside (not before) new work.
    this.dispatchSoon();
    this.#background.push(
      this.#ingestor
        .run(stop.signal, undefined, async (reports) => {
          const at = new Date(this.#clock.now()).toISOString();
          for (const report of reports) {
            this.lastPolls.set(report.source, { ...report, at });
            for (const listener of this.#pollListeners) listener(report);
          }
          this.dispatchSoon();
        })
        .catch((error) => this.logger.error("ingestion stopped", { error: (error as Error).message })),
    );
    const schedules = this.playbooks.schedules().map((p) => ({ name: p.name, schedule: p.schedule! }));
    if (schedules.length > 0) {
      this.#scheduler = new Scheduler({
        schedules,
        ledger: new SqlFiringLedger(this.database),
        startRun: (request) => this.starter.startRun(request),
        clock: this.#clock,
        logger: this.logger,
      });
      this.#scheduler.start();
    }
    this.#background.push(this.#sweep(stop.signal));
  }

  /** Starts the runs of pending alert triggers, one dispatch at a time, without holding up ingestion. */
  dispatchSoon(): void {
    if (this.#alertTriggers.length === 0) return;
    if (this.#dispatching) {
      this.#dispatchAgain = true;
      return;
    }
    const dispatcher = new TriggerDispatcher({
      store: new SqlTriggerStore(this.database.db),
      runExists: async (runId) => (await this.runs.getRun(runId)) !== undefined,
      engine: this.engine,
      catalog: this.registry,
      connections: () => this.connections.list(),
      logger: this.logger,
    });
    this.#dispatching = this.track(
      (async () => {
        do {
          this.#dispatchAgain = false;
          await dispatcher.dispatch();
        } while (this.#dispatchAgain && !this.#stop?.signal.aborted);
      })(),
    ).finally(() => {
      this.#dispatching = undefined;
    });
  }

  /** Resumes parked runs whose approval was decided or expired, and runs whose executor is gone. */
  async #sweep(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.track(this.engine.resumeOrphans());
      } catch (error) {
        this.logger.warn("sweep failed", { error: (error as Error).message });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#sweepMs);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Stops taking new work, waits up to `graceMs` for what is in flight, then closes everything. A run
   * still executing at the deadline keeps its recorded steps; the next start resumes it from there.
   */
  async stop(graceMs = 30_000): Promise<{ unfinished: number }> {
    this.#stop?.abort();
    this.#scheduler?.stop();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), graceMs);
    });
    const settled = Promise.allSettled([...this.#background, ...this.#inFlight, this.starter.drain()]);
    const result = await Promise.race([settled.then(() => "done" as const), deadline]);
    clearTimeout(timer);
    const unfinished = result === "late" ? this.#inFlight.size : 0;
    await this.#ingestor?.close();
    await this.#scripts.close();
    await this.clients.close();
    await this.database.close();
    return { unfinished };
  }
}

function emptyPlaybooks(): TriggerPlaybooks {
  return { byName: new Map(), webhooks: () => [], schedules: () => [], hookTarget: () => undefined };
}
