import { ConflictError, type Logger, silentLogger } from "../connectors/sdk/index.ts";
import type { Clock } from "../engine/clock.ts";
import type { DueRuns, RunOutcome } from "../engine/executor.ts";

/**
 * Where a worker learns which runs to execute: the `Dispatcher` under the engine. In one process over
 * SQLite it is the store itself (queued runs, orphans, parked runs whose approval or wait is due)
 * plus an in-process nudge (`LocalDispatch`); over PostgreSQL it is a pg-boss queue that only says
 * "run X is runnable now", fed on creation, on wake and by a periodic sweep of Rampart's tables
 * (`PgBossDispatch`). Rampart's tables stay the truth: a run the queue names twice, or one another
 * worker holds, is refused by its lease and skipped.
 */
export interface RunDispatch {
  /** Connects (the queue's schema and listener); called once before any other method. */
  open?(): Promise<void>;
  /** The runs to execute now (at most `limit` when given) and when the next parked one falls due. */
  due(limit?: number): Promise<DueRuns>;
  /**
   * Says run `runId` is runnable now (it was created, its approval was decided, it was asked to
   * resume), or from `at` (epoch ms) on: the deadline a parked run waits for.
   */
  announce(runId: string, at?: number): Promise<void>;
  /** Called with the worker's wake-up when new work is recorded (a run enqueued, an approval decided). */
  subscribe(wake: () => void): () => void;
  /** Tells workers there is new work. */
  notify(): void;
  /** Stops listening and closes the queue's connections. */
  close?(): Promise<void>;
}

/** Another name for the same port, as the design calls it. */
export type Dispatcher = RunDispatch;

/** The in-process dispatch: due runs from the engine's view of the store, nudges by function call. */
export class LocalDispatch implements RunDispatch {
  readonly #due: () => Promise<DueRuns>;
  readonly #listeners = new Set<() => void>();

  constructor(due: () => Promise<DueRuns>) {
    this.#due = due;
  }

  async due(limit?: number): Promise<DueRuns> {
    const due = await this.#due();
    return limit === undefined ? due : { ...due, runIds: due.runIds.slice(0, Math.max(0, limit)) };
  }

  // A parked run's deadline needs nothing here: `due` reads it from the store as `nextAt`.
  async announce(): Promise<void> {
    this.notify();
  }

  subscribe(wake: () => void): () => void {
    this.#listeners.add(wake);
    return () => this.#listeners.delete(wake);
  }

  notify(): void {
    for (const wake of this.#listeners) wake();
  }
}

export interface WorkerOptions {
  dispatch: RunDispatch;
  /** Executes one run to its end or until it parks (the Engine's `resume`). */
  execute(runId: string): Promise<RunOutcome>;
  /** Runs executed at once (default 8). */
  concurrency?: number;
  /** How often the dispatch is asked when nothing nudges the worker (default 1 s). */
  pollMs?: number;
  clock: Clock;
  logger?: Logger;
}

/**
 * Executes due runs with a bounded concurrency until stopped. It asks the dispatch when nudged, when
 * a run it executes ends, at the next parked deadline, and at least every `pollMs` (for runs another
 * process recorded or left behind). A run is never executed twice at once here; a run another
 * executor holds is refused by its lease and skipped.
 */
export class Worker {
  readonly #options: WorkerOptions;
  readonly #concurrency: number;
  readonly #pollMs: number;
  readonly #logger: Logger;
  readonly #executing = new Map<string, Promise<unknown>>();
  #stopped = false;
  #loop?: Promise<void>;
  #wake: () => void = () => {};
  #nudged = false;
  #unsubscribe: () => void = () => {};

  constructor(options: WorkerOptions) {
    this.#options = options;
    this.#concurrency = options.concurrency ?? 8;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1)
      throw new RangeError("the worker's concurrency must be a whole number of at least 1");
    this.#pollMs = options.pollMs ?? 1000;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Starts the loop; returns at once. */
  start(): void {
    if (this.#loop) return;
    this.#unsubscribe = this.#options.dispatch.subscribe(() => this.poke());
    this.#loop = this.#run();
  }

  /** Has the worker look for due runs now. */
  poke(): void {
    this.#nudged = true;
    this.#wake();
  }

  /** The runs executing now. */
  get active(): number {
    return this.#executing.size;
  }

  /** Stops taking runs and waits up to `graceMs` for those executing; returns the ids still executing. */
  async stop(graceMs: number): Promise<string[]> {
    this.#stopped = true;
    this.#unsubscribe();
    this.#wake();
    await this.#loop;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled(this.#executing.values()), late]);
    clearTimeout(timer);
    return [...this.#executing.keys()];
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#nudged = false;
      let nextAt: number | null = null;
      if (this.#executing.size < this.#concurrency) {
        try {
          const due = await this.#options.dispatch.due(this.#concurrency - this.#executing.size);
          nextAt = due.nextAt;
          for (const runId of due.runIds) {
            if (this.#executing.size >= this.#concurrency || this.#stopped) break;
            if (!this.#executing.has(runId)) this.#begin(runId);
          }
        } catch (error) {
          this.#logger.warn("looking for due runs failed", { error: (error as Error).message });
        }
      }
      if (this.#nudged || this.#stopped) continue;
      const now = this.#options.clock.now();
      const until = nextAt === null ? this.#pollMs : Math.max(0, Math.min(this.#pollMs, nextAt - now));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, until);
        timer.unref();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = () => {};
    }
  }

  #begin(runId: string): void {
    const work = this.#options
      .execute(runId)
      .catch((error: Error) => {
        // Another executor claimed it first, or it finished meanwhile: nothing to do here.
        if (error instanceof ConflictError) return;
        this.#logger.warn("run could not execute", { runId, error: error.message });
      })
      .finally(() => {
        this.#executing.delete(runId);
        this.poke();
      });
    this.#executing.set(runId, work);
  }
}
