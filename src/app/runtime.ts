import type { ConnectorRegistry } from "../connectors/registry.ts";
import { vendors } from "../connectors/registry.ts";
import { ClientPool, type Logger, Redactor, silentLogger } from "../connectors/sdk/index.ts";
import { type Clock, systemClock } from "../engine/clock.ts";
import { Engine, type RunEvent, type RunOutcome, type StartOptions } from "../engine/executor.ts";
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
import type { LeaderLock } from "./leader-lock.ts";
import { RunEventBus } from "./run-events.ts";
import { Scheduler } from "./schedules.ts";
import { loadTriggerPlaybooks, type TriggerPlaybooks } from "./trigger-playbooks.ts";
import { LocalDispatch, type RunDispatch, Worker } from "./worker.ts";

/** What a process does beside answering: execute runs, poll sources, fire schedules. */
export interface WorkRoles {
  runs: boolean;
  sources: boolean;
  schedules: boolean;
}

export const ALL_WORK: WorkRoles = { runs: true, sources: true, schedules: true };
export const NO_WORK: WorkRoles = { runs: false, sources: false, schedules: false };

export interface RuntimeOptions {
  dataDir: string;
  /** A `postgres://…` URL: the store lives there (the data dir keeps the master key); absent: SQLite in the data dir. */
  databaseUrl?: string;
  registry: ConnectorRegistry;
  /** The playbooks the service answers with (triggers, webhooks, schedules, the API's list). */
  playbooksDir?: string;
  logger?: Logger;
  clock?: Clock;
  /** How often the worker looks for runs nothing told it about: recorded by another process, orphaned (default 1 s). */
  sweepMs?: number;
  /** Runs executed at once (default 8); more wait `queued`. */
  concurrency?: number;
  /** A `wait` with more than this left parks its run until the deadline instead of holding a task (default 2 s). */
  parkWaitsOverMs?: number;
  /** What `start()` starts (default all): `rampart serve --no-work` starts none, `rampart worker --queues` some. */
  work?: WorkRoles;
  /** On PostgreSQL: how often the queue is re-armed from Rampart's tables (default 2 s). */
  queueSweepMs?: number;
  /** On PostgreSQL: a run's lease (default 15 s); a worker that dies is replaced after it. */
  leaseMs?: number;
}

/**
 * Everything the service runs over one data dir, composed once: the store, one client per saved
 * connection (shared by ingestion and playbooks), the engine, the playbooks, and the background
 * parts started by `start()`: ingestion, trigger dispatch, schedules, and the Worker that executes
 * every run. Every start (API, webhook, schedule, alert trigger) only enqueues; the Worker executes
 * queued, orphaned and due parked runs with a bounded concurrency.
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
  /** How the Worker hears of new work (in-process here; a distributed queue with PostgreSQL). */
  readonly dispatch: RunDispatch;
  readonly work: WorkRoles;
  readonly #databaseUrl?: string;
  readonly #postgres?: PostgresParts;
  readonly #locks: LeaderLock[] = [];
  /** The latest report of each source, for the API's source status. */
  readonly lastPolls = new Map<string, PollReport & { at: string }>();
  readonly #pollListeners: Array<(report: PollReport) => void> = [];

  /** The script sandbox runs and playbook tests share. */
  readonly scripts: ReturnType<typeof createScriptRunner>;
  readonly #alertTriggers: AlertTrigger[];
  readonly #clock: Clock;
  readonly #sweepMs: number;
  readonly #background: Promise<unknown>[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #worker: Worker;
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
    postgres?: PostgresParts;
  }) {
    const { database, options } = parts;
    this.database = database;
    this.registry = options.registry;
    this.playbooksDir = options.playbooksDir;
    this.logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#sweepMs = options.sweepMs ?? 1000;
    this.work = options.work ?? ALL_WORK;
    this.#databaseUrl = options.databaseUrl;
    this.#postgres = parts.postgres;
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
    this.scripts = createScriptRunner();
    this.playbooks = parts.playbooks;
    this.#alertTriggers = parts.alertTriggers;
    let starter: EngineRuns | undefined;
    this.engine = new Engine({
      store: this.runs,
      catalog: options.registry,
      caller: new ConnectorCaller(this.clients),
      scripts: this.scripts,
      clock: this.#clock,
      logger: this.logger,
      parkWaitsOverMs: options.parkWaitsOverMs ?? 2000,
      leaseMs: options.leaseMs,
      onEvent: (event: RunEvent) => {
        starter?.onEvent(event);
        this.events.emit(event);
      },
    });
    this.dispatch =
      parts.postgres && options.databaseUrl
        ? new parts.postgres.PgBossDispatch({
            url: options.databaseUrl,
            runnable: () => this.engine.dueRuns(),
            sweepMs: options.queueSweepMs,
            logger: this.logger,
          })
        : new LocalDispatch(() => this.engine.dueRuns());
    this.#worker = new Worker({
      dispatch: this.dispatch,
      execute: (runId) => this.#execute(runId),
      concurrency: options.concurrency,
      pollMs: this.#sweepMs,
      clock: this.#clock,
      logger: this.logger,
    });
    starter = new EngineRuns({
      engine: { start: (path, startOptions) => this.enqueue(path, startOptions) },
      store: this.runs,
      playbook: (name) => this.playbooks.byName.get(name)?.playbook,
      connections: () => this.connections.saved(),
    });
    this.starter = starter;
    this.webhookSecrets = new WebhookSecretStore({ database, secrets: box });
    this.deliveries = new SqlDeliveryLedger(database);
  }

  /** Opens the data dir and loads the playbooks; a playbook that does not load fails the open with every issue. */
  static async open(options: RuntimeOptions): Promise<Runtime> {
    const database = await openDatabase({ dataDir: options.dataDir, url: options.databaseUrl });
    try {
      const playbooks = options.playbooksDir
        ? await loadTriggerPlaybooks(options.playbooksDir, options.registry)
        : emptyPlaybooks();
      const alertTriggers = options.playbooksDir
        ? await loadTriggers(options.playbooksDir, options.registry)
        : [];
      const postgres = options.databaseUrl ? await loadPostgresParts() : undefined;
      const runtime = new Runtime({ database, options, playbooks, alertTriggers, postgres });
      try {
        await runtime.dispatch.open?.();
      } catch (error) {
        await runtime.dispatch.close?.();
        throw error;
      }
      return runtime;
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
   * Records a queued run for the Worker and returns it at once; a start refused before anything is
   * recorded (a missing connection, a bad input) rejects with that error.
   */
  async enqueue(path: string, options: StartOptions = {}): Promise<RunOutcome> {
    const outcome = await this.engine.enqueue(path, options);
    await this.#announce(outcome.runId);
    return outcome;
  }

  /** Enqueues a run; resolves with its id. */
  async startRun(path: string, options: StartOptions = {}): Promise<string> {
    return (await this.enqueue(path, options)).runId;
  }

  /** Has ingestion look at its sources now (one was added, resumed or changed). */
  wakeIngestion(): void {
    this.#ingestor?.wake();
  }

  /** Calls `listener` with each source's report after every poll. */
  onPoll(listener: (report: PollReport) => void): () => void {
    this.#pollListeners.push(listener);
    return () => {
      const at = this.#pollListeners.indexOf(listener);
      if (at >= 0) this.#pollListeners.splice(at, 1);
    };
  }

  /** Has a Worker look now at `runId`, which became due (an approval decided, the run asked to resume). */
  resumeSoon(runId: string): void {
    void this.#announce(runId);
  }

  // A run the queue did not hear of is not lost: the sweep finds it in the runs table.
  async #announce(runId: string, at?: number): Promise<void> {
    try {
      await this.dispatch.announce(runId, at);
    } catch (error) {
      this.logger.warn("run not announced to the queue", { runId, error: (error as Error).message });
    }
  }

  /** Executes a run for the Worker; a run that parks is announced for its earliest deadline, so it wakes then. */
  async #execute(runId: string): Promise<RunOutcome> {
    const outcome = await this.engine.resume(runId);
    if (outcome.status === "waiting") {
      const deadlines = outcome.waiting.map((w) => Date.parse(w.deadline)).filter(Number.isFinite);
      if (deadlines.length > 0) await this.#announce(runId, Math.min(...deadlines));
    }
    return outcome;
  }

  /** Re-reads every saved connection's secrets (after a connection is added or changed). */
  async refreshSecrets(): Promise<void> {
    this.#secrets = new Redactor(await this.connections.secretValues());
  }

  /** `text` with every saved connection's secrets hidden. */
  readonly redact = (text: string): string => this.#secrets.text(text);

  /** Starts the Worker, ingestion, trigger dispatch and the schedules; returns at once. */
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
    // Orphans, queued runs and pending triggers a stopped service left behind go beside new work.
    if (this.work.runs) this.#worker.start();
    if (this.work.sources) this.#background.push(this.#ingest(stop.signal));
    if (this.work.schedules) this.#background.push(this.#schedule(stop.signal));
  }

  /**
   * Does `work` while this process leads `role`: on PostgreSQL one process of the cluster at a time
   * (a leader lock), alone on SQLite. `work` gets a signal that aborts when the service stops or the
   * lead is lost (its lock's session ended), and must return then; after a loss the lock is sought
   * again, and `work` runs again once it is held.
   */
  async #lead(
    role: string,
    signal: AbortSignal,
    work: (leading: AbortSignal) => Promise<void>,
  ): Promise<void> {
    if (!this.#databaseUrl || !this.#postgres) return work(signal);
    const lock = new this.#postgres.LeaderLock(this.#databaseUrl, role, this.logger);
    this.#locks.push(lock);
    await lock.hold(signal, async (leading) => {
      this.logger.info(
        `this process now ${role === "sources" ? "polls the sources" : "fires the schedules"}`,
      );
      await work(leading);
    });
  }

  async #ingest(signal: AbortSignal): Promise<void> {
    await this.#lead("sources", signal, async (leading) => {
      this.dispatchSoon();
      await this.#ingestor!.run(leading, undefined, async (reports) => {
        const at = new Date(this.#clock.now()).toISOString();
        for (const report of reports) {
          this.lastPolls.set(report.source, { ...report, at });
          for (const listener of this.#pollListeners) listener(report);
        }
        this.dispatchSoon();
      }).catch((error) => this.logger.error("ingestion stopped", { error: (error as Error).message }));
    });
  }

  async #schedule(signal: AbortSignal): Promise<void> {
    const schedules = this.playbooks.schedules().map((p) => ({ name: p.name, schedule: p.schedule! }));
    if (schedules.length === 0) return;
    await this.#lead("schedules", signal, async (leading) => {
      const scheduler = new Scheduler({
        schedules,
        ledger: new SqlFiringLedger(this.database),
        startRun: (request) => this.starter.startRun(request),
        clock: this.#clock,
        logger: this.logger,
      });
      this.#scheduler = scheduler;
      scheduler.start();
      await new Promise<void>((resolve) => {
        if (leading.aborted) resolve();
        else leading.addEventListener("abort", () => resolve(), { once: true });
      });
      await scheduler.stop();
    });
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
      engine: { start: (path, options) => this.enqueue(path, options) },
      catalog: this.registry,
      connections: () => this.connections.saved(),
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

  /**
   * Stops taking new work and waits up to `graceMs` for what is in flight; runs still executing at
   * the deadline are parked: their leases released, their recorded steps kept, so the next start
   * (or another worker) continues them at once. Then closes everything.
   */
  async stop(graceMs = 30_000): Promise<{ unfinished: number }> {
    const deadline = Date.now() + graceMs;
    this.#stop?.abort();
    this.#scheduler?.stop();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled([...this.#background, ...this.#inFlight]), late]);
    clearTimeout(timer);
    await this.#worker.stop(Math.max(0, deadline - Date.now()));
    const parked = await this.engine.release();
    await this.dispatch.close?.();
    for (const lock of this.#locks) await lock.release();
    await this.#ingestor?.close();
    await this.scripts.close();
    await this.clients.close();
    await this.database.close();
    return { unfinished: parked.length };
  }
}

function emptyPlaybooks(): TriggerPlaybooks {
  return { byName: new Map(), webhooks: () => [], schedules: () => [], hookTarget: () => undefined };
}

/** What only a PostgreSQL store needs: pg-boss and pg (~25 MB loaded) are imported for one alone. */
interface PostgresParts {
  PgBossDispatch: typeof import("./pg-boss-dispatch.ts").PgBossDispatch;
  LeaderLock: typeof import("./leader-lock.ts").LeaderLock;
}

async function loadPostgresParts(): Promise<PostgresParts> {
  const [{ PgBossDispatch }, { LeaderLock }] = await Promise.all([
    import("./pg-boss-dispatch.ts"),
    import("./leader-lock.ts"),
  ]);
  return { PgBossDispatch, LeaderLock };
}
