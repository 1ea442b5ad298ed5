import { createHash } from "node:crypto";
import pg from "pg";
import { PgBoss } from "pg-boss";
import { type Logger, silentLogger } from "../connectors/sdk/index.ts";
import type { DueRuns } from "../engine/executor.ts";
import type { RunDispatch } from "./worker.ts";

/** The pg-boss queue of runnable runs. */
export const RUNS_QUEUE = "rampart-runs";
/** pg-boss's own tables live in this schema, beside Rampart's. */
export const QUEUE_SCHEMA = "rampart_queue";
/**
 * The channel pg-boss notifies, in the statement that adds a job runnable now, for a queue created
 * with `notify` (its name derives from the schema as pg-boss 12 derives it; the contract test's
 * wake-up fails if that ever changes). The payload is the queue's name.
 */
const CHANNEL = `pgboss_${createHash("sha224").update(QUEUE_SCHEMA).digest("hex").slice(0, 24)}`;
/** Taken jobs are completed together, this long after the first of them was taken. */
const COMPLETE_AFTER_MS = 100;
/** How long a worker trusts the database's answer to "when is the next deferred job due". */
const NEXT_DEFERRED_TTL_MS = 1000;
/** How soon a worker asks again for a job that was due but not in its last fetch. */
const DUE_RETRY_MS = 5;
/** A job waiting for a worker is kept this long (pg-boss's default, 14 days, is shorter than some approvals). */
const RETENTION_SECONDS = 400 * 86_400;

export interface PgBossDispatchOptions {
  url: string;
  /** The runs Rampart's tables say are runnable now: queued, orphaned, parked and due (the engine's `dueRuns`). */
  runnable(): Promise<DueRuns>;
  /**
   * How often the sweep re-arms runnable runs from Rampart's tables (default 2 s): an orphaned run,
   * a parked run whose deadline came, anything a dropped or emptied queue lost. 0: no sweep (a
   * process that only enqueues).
   */
  sweepMs?: number;
  logger?: Logger;
}

/**
 * The dispatch of a cluster on PostgreSQL: a pg-boss queue whose jobs only say "run X is runnable";
 * Rampart's tables stay the truth about what ran. A job is completed as soon as a worker takes it:
 * if that worker dies, the run's lease expires and the sweep names the run again. Jobs carry the run
 * id as their singleton key (policy `short`), so a run is queued at most once however often it is
 * announced. A job runnable now wakes every worker at once: its insert notifies the queue's channel,
 * which each process listens on.
 */
export class PgBossDispatch implements RunDispatch {
  readonly #options: PgBossDispatchOptions;
  readonly #logger: Logger;
  readonly #listeners = new Set<() => void>();
  readonly #boss: PgBoss;
  #listener?: pg.Client;
  #sweep?: NodeJS.Timeout;
  #sweeping?: Promise<void>;
  /** Jobs taken and not yet completed, and the batches being completed. */
  readonly #taken = new Set<string>();
  readonly #completing = new Set<Promise<void>>();
  #completeTimer?: NodeJS.Timeout;
  /** The database's last answer on the next deferred job, and when it was asked. */
  #deferred?: { at: number | null; askedAt: number };
  /**
   * The earliest deadline this process deferred a job to: an answer the database gave to a question
   * asked before that job's insert committed does not know it, and must not hide it.
   */
  #deferredHere: number | null = null;
  #closed = false;

  constructor(options: PgBossDispatchOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#boss = new PgBoss({
      connectionString: options.url,
      schema: QUEUE_SCHEMA,
      max: 3,
      // Jobs are completed when taken; nothing in this queue needs pg-boss's cron or monitor here.
      schedule: false,
    });
    this.#boss.on("error", (error: Error) => this.#logger.warn("queue error", { error: error.message }));
  }

  async open(): Promise<void> {
    await this.#boss.start();
    await this.#createQueue();
    await this.#listen();
    const sweepMs = this.#options.sweepMs ?? 2000;
    if (sweepMs > 0) {
      this.#sweep = setInterval(() => void this.sweep(), sweepMs);
      this.#sweep.unref();
    }
  }

  /**
   * Listens for new jobs on a connection of its own. Lost (the server ended it, the network
   * dropped), it is opened again, 1 s later and then backing off to 30 s, and the workers are woken
   * once it is back for what they may have missed; meanwhile they poll.
   */
  async #listen(): Promise<void> {
    const listener = new pg.Client({
      connectionString: this.#options.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    const lost = (error?: Error) => {
      if (this.#listener !== listener) return;
      this.#listener = undefined;
      void listener.end().catch(() => {});
      if (this.#closed) return;
      this.#logger.warn("queue listener lost; listening again soon", {
        error: error?.message ?? "connection ended",
      });
      this.#listenAgain(1000);
    };
    listener.on("error", lost);
    listener.on("end", () => lost());
    listener.on("notification", (message) => {
      if (message.payload === RUNS_QUEUE) this.notify();
    });
    try {
      await listener.connect();
      await listener.query(`LISTEN "${CHANNEL}"`);
    } catch (error) {
      await listener.end().catch(() => {});
      throw error;
    }
    this.#listener = listener;
  }

  #listenAgain(delayMs: number): void {
    const timer = setTimeout(async () => {
      if (this.#closed) return;
      try {
        await this.#listen();
        this.notify();
      } catch (error) {
        this.#logger.warn("queue listener not back yet", { error: (error as Error).message });
        this.#listenAgain(Math.min(delayMs * 2, 30_000));
      }
    }, delayMs);
    timer.unref();
  }

  async #createQueue(): Promise<void> {
    const queue = {
      policy: "short",
      retentionSeconds: RETENTION_SECONDS,
      deleteAfterSeconds: 3600,
      retryLimit: 0,
      // A job's insert wakes the workers itself: no NOTIFY of our own after each send.
      notify: true,
    } as const;
    try {
      await this.#boss.createQueue(RUNS_QUEUE, queue);
    } catch (error) {
      // Several processes starting at once: another one created it.
      if (!(await this.#boss.getQueue(RUNS_QUEUE))) throw error;
    }
    // Created by an earlier Rampart, which notified on a channel of its own.
    if ((await this.#boss.getQueue(RUNS_QUEUE))?.notify !== true)
      await this.#boss.updateQueue(RUNS_QUEUE, { notify: true });
  }

  /** Re-arms every run Rampart's tables say is runnable; returns when done (one sweep at a time). */
  sweep(): Promise<void> {
    if (this.#sweeping || this.#closed) return this.#sweeping ?? Promise.resolve();
    this.#sweeping = (async () => {
      try {
        const { runIds } = await this.#options.runnable();
        if (runIds.length === 0) return;
        // One statement for them all (it wakes the workers); a run queued already keeps its job.
        await this.#boss.insert(
          RUNS_QUEUE,
          runIds.map((runId) => ({ data: { runId }, singletonKey: runId })),
        );
        if ((await this.#pullForward(runIds)) > 0) await this.#wakeAll();
      } catch (error) {
        if (!this.#closed) this.#logger.warn("queue sweep failed", { error: (error as Error).message });
      }
    })().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /**
   * Jobs deferred to a deadline that is no longer ahead (the run is runnable now: its approval was
   * decided early, or it was asked to resume) are made fetchable now; returns how many. pg-boss's
   * `update` does one key at a time, so the sweep does it for many in one statement on its table.
   */
  async #pullForward(runIds: string[]): Promise<number> {
    const { rows } = await this.#boss.getDb().executeSql(
      `UPDATE ${QUEUE_SCHEMA}.job SET start_after = ${QUEUE_SCHEMA}.job_now()
       WHERE name = $1 AND state = 'created' AND singleton_key = ANY($2) AND start_after > ${QUEUE_SCHEMA}.job_now()
       RETURNING id`,
      [RUNS_QUEUE, runIds],
    );
    return rows.length;
  }

  /** The runs whose jobs are fetchable now (at most `limit`), and when the next deferred one becomes so. */
  async due(limit = 100): Promise<DueRuns> {
    if (limit < 1 || this.#closed) return { runIds: [], nextAt: null };
    const jobs = await this.#boss.fetch<{ runId: string }>(RUNS_QUEUE, { batchSize: limit });
    // Completed behind the worker's back: a job only says "runnable", and the run's lease, not the
    // job's state, decides who executes it (a job left active by a death expires on its own).
    if (jobs.length > 0) this.#complete(jobs.map((job) => job.id));
    return { runIds: [...new Set(jobs.map((job) => job.data.runId))], nextAt: await this.#nextDeferred() };
  }

  /** Completes taken jobs in batches, off the path from a job's arrival to its run's start. */
  #complete(ids: string[]): void {
    for (const id of ids) this.#taken.add(id);
    if (this.#completeTimer) return;
    this.#completeTimer = setTimeout(() => void this.#flushCompleted(), COMPLETE_AFTER_MS);
    this.#completeTimer.unref();
  }

  async #flushCompleted(): Promise<void> {
    clearTimeout(this.#completeTimer);
    this.#completeTimer = undefined;
    const ids = [...this.#taken];
    this.#taken.clear();
    if (ids.length === 0) return;
    const done = this.#boss
      .complete(RUNS_QUEUE, ids)
      .then(() => {})
      .catch((error: Error) => this.#logger.warn("queue jobs not completed", { error: error.message }))
      .finally(() => this.#completing.delete(done));
    this.#completing.add(done);
    await done;
  }

  /**
   * When the earliest deferred job becomes fetchable (epoch ms on this process's clock), or null.
   * Asked of the database at most once a second (a worker asks on every wake-up); a deferral this
   * process makes meanwhile counts at once.
   */
  async #nextDeferred(): Promise<number | null> {
    const now = Date.now();
    const known = this.#deferred;
    if (known && now - known.askedAt < NEXT_DEFERRED_TTL_MS && (known.at === null || known.at > now))
      return known.at;
    const { rows } = await this.#boss.getDb().executeSql(
      `SELECT extract(epoch FROM min(start_after) - ${QUEUE_SCHEMA}.job_now()) * 1000 AS ms
       FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND state = 'created'`,
      [RUNS_QUEUE],
    );
    const ms = (rows[0] as { ms: string | number | null } | undefined)?.ms;
    // A job already due that the fetch just missed (its deadline passed between the two queries; the
    // database's clock counts the delay from the insert, a few ms after this process's `at`) is
    // asked for again shortly, not left to the poll.
    let at = ms === null || ms === undefined ? null : now + Math.max(DUE_RETRY_MS, Math.ceil(Number(ms)));
    const here = this.#deferredHere;
    if (here !== null && here <= Date.now()) this.#deferredHere = null;
    else if (here !== null && (at === null || here < at)) at = here;
    this.#deferred = { at, askedAt: now };
    return at;
  }

  async announce(runId: string, at?: number): Promise<void> {
    const delayMs = at === undefined ? 0 : at - Date.now();
    if (at !== undefined && delayMs > 0) {
      // Runnable from its deadline on: a deferred job (the database's clock counts the delay).
      if (this.#deferredHere === null || at < this.#deferredHere || this.#deferredHere <= Date.now())
        this.#deferredHere = at;
      await this.#boss.send(RUNS_QUEUE, { runId }, { singletonKey: runId, startAfter: delayMs / 1000 });
      const known = this.#deferred;
      if (known && (known.at === null || at < known.at)) this.#deferred = { ...known, at };
      return;
    }
    // The insert wakes the workers itself (the queue notifies).
    if (await this.#send(runId)) return;
    // Its job is queued already, maybe deferred to a deadline that no longer matters: now, then
    // (the update wakes the workers as the insert would).
    await this.#boss.update(RUNS_QUEUE, undefined, { singletonKey: runId, startAfter: 0 });
  }

  /** Queues the run unless it is queued already; true when a job was added. */
  async #send(runId: string): Promise<boolean> {
    return (await this.#boss.send(RUNS_QUEUE, { runId }, { singletonKey: runId })) !== null;
  }

  /** What pg-boss's own insert and update do when a job becomes runnable: wake every worker. */
  async #wakeAll(): Promise<void> {
    await this.#listener?.query("SELECT pg_notify($1, $2)", [CHANNEL, RUNS_QUEUE]);
  }

  subscribe(wake: () => void): () => void {
    this.#listeners.add(wake);
    return () => this.#listeners.delete(wake);
  }

  notify(): void {
    for (const wake of this.#listeners) wake();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    await this.#sweeping;
    await this.#flushCompleted();
    await Promise.all(this.#completing);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => {});
    await this.#boss.stop({ graceful: false, close: true, timeout: 1000 }).catch(() => {});
  }
}
