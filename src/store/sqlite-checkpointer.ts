import type { DatabaseSync } from "node:sqlite";
import { Worker } from "node:worker_threads";

// After about this much data committed, ask for a checkpoint (SQLite's own default is every 1000 pages).
const CHECKPOINT_BYTES = 8 * 2 ** 20;
// Once checkpoints run in the background, the writer checkpoints only if the WAL outgrows this many pages anyway.
const BACKSTOP_PAGES = 8000;

/**
 * Moves WAL checkpoints off the writing thread. A checkpoint copies committed pages from the WAL into
 * the database file and fsyncs both; during a bulk load SQLite runs one inside every ~1000th page's
 * COMMIT, on the thread that committed, where its fsyncs take longer than the inserts themselves. As
 * SQLite's documentation suggests for this case, a second connection in a worker thread runs passive
 * checkpoints instead (which neither wait for nor block the writer), and the writer's own automatic
 * checkpoint stays as a backstop at a higher threshold. The worker starts only once a process has
 * committed CHECKPOINT_BYTES, so short commands never start a thread.
 */
export class WalCheckpointer {
  readonly #sqlite: DatabaseSync;
  readonly #file: string;
  #worker: Worker | undefined;
  #pending = 0;
  #running = false;
  #again = false;
  #failed = false;
  #exited: Promise<void> | undefined;
  #idle: Array<() => void> = [];

  constructor(sqlite: DatabaseSync, file: string) {
    this.#sqlite = sqlite;
    this.#file = file;
  }

  /** After a commit that wrote about `bytes` of values. */
  committed(bytes: number): void {
    this.#pending += bytes;
    if (this.#pending < CHECKPOINT_BYTES || this.#failed) return;
    this.#pending = 0;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#request();
  }

  /** Resolves once no checkpoint is running or asked for (at once when none is). */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops the worker (its connection closed) so the writer's connection is the last one and checkpoints on close. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    worker.ref(); // awaited now
    worker.postMessage("close");
    await this.#exited;
  }

  #settle(): void {
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #request(): void {
    if (!this.#worker) this.#start();
    this.#running = true;
    this.#worker!.postMessage("checkpoint");
  }

  #start(): void {
    const worker = new Worker(new URL("./sqlite-checkpoint-worker.ts", import.meta.url), {
      workerData: { file: this.#file },
    });
    // Never what keeps a process alive; a WAL left behind is checkpointed by the next open.
    worker.unref();
    worker.on("message", () => {
      this.#running = false;
      if (this.#again && this.#worker) {
        this.#again = false;
        this.#request();
        return;
      }
      this.#settle();
    });
    worker.on("error", () => {
      // Back to SQLite's own checkpoints on the writing thread.
      this.#failed = true;
      this.#worker = undefined;
      this.#running = false;
      this.#settle();
      if (this.#sqlite.isOpen) this.#sqlite.exec("PRAGMA wal_autocheckpoint = 1000");
    });
    this.#exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    this.#worker = worker;
    this.#sqlite.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  }
}
