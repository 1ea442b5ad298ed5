import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { AlertSourceExport } from "../connectors/sdk/alert-source.ts";
import type { AlertContent } from "../store/alert-content.ts";
import type { NormalizedPage } from "./normalize-records.ts";
import type { NormalizeJob } from "./normalize-worker.ts";

interface Pending {
  resolve(page: NormalizedPage<AlertContent>): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Its modules are loaded: until then a page would wait for the thread to start. */
  ready: boolean;
  started: Promise<void>;
}

/**
 * Worker threads that turn pages of raw alerts into their stored form (the vendor's pure
 * `normalize`, then the OCSF text, its hash and the summary columns), so the thread that fetches
 * pages and writes the database does neither. Threads start on the first page sent and never keep
 * the process alive while idle. Until a thread has started, and after one failed, pages are refused
 * (undefined, or a rejection for those in hand) and callers do the work themselves.
 */
export class NormalizePool {
  readonly #size: number;
  readonly #workers: PoolWorker[] = [];
  #nextId = 0;
  #broken = false;

  /** `size` threads; by default one for each core but the one that stores. */
  constructor(size = Math.max(1, availableParallelism() - 1)) {
    this.#size = size;
  }

  /**
   * The vendor id and stored form of each raw alert of the source exported as `source`, in order,
   * and the records that could not be mapped; undefined while no thread is ready (one starts).
   */
  normalize(source: AlertSourceExport, alerts: unknown[]): Promise<NormalizedPage<AlertContent>> | undefined {
    if (this.#broken) return undefined;
    const target = this.#pick();
    if (!target) return undefined;
    const id = this.#nextId++;
    return new Promise<NormalizedPage<AlertContent>>((resolve, reject) => {
      if (target.pending.size === 0) target.worker.ref();
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ id, source, alerts } satisfies NormalizeJob);
    });
  }

  /** Starts every thread now; resolves once they take pages (or have failed). */
  async start(): Promise<void> {
    while (this.#workers.length < this.#size && !this.#broken) this.#start();
    await Promise.all(this.#workers.map((w) => w.started));
  }

  async close(): Promise<void> {
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  /** The ready thread with the fewest pages in hand, starting another while below the size. */
  #pick(): PoolWorker | undefined {
    const ready = this.#workers.filter((w) => w.ready);
    const idle = ready.find((w) => w.pending.size === 0);
    if (idle) return idle;
    if (this.#workers.length < this.#size) this.#start();
    return ready.length === 0 ? undefined : ready.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  #start(): PoolWorker {
    const worker = new Worker(new URL("./normalize-worker.ts", import.meta.url));
    let started = () => {};
    const entry: PoolWorker = {
      worker,
      pending: new Map(),
      ready: false,
      started: new Promise((resolve) => (started = resolve)),
    };
    worker.unref();
    worker.on("message", (message: { id?: number; page?: NormalizedPage<AlertContent>; error?: string }) => {
      if (message.id === undefined) {
        entry.ready = true;
        started();
        return;
      }
      const job = entry.pending.get(message.id);
      if (!job) return;
      entry.pending.delete(message.id);
      if (entry.pending.size === 0) worker.unref();
      if (message.page) job.resolve(message.page);
      else job.reject(new Error(message.error ?? "normalize failed"));
    });
    const fail = (error: Error) => {
      started();
      this.#broken = true;
      const index = this.#workers.indexOf(entry);
      if (index >= 0) this.#workers.splice(index, 1);
      for (const job of entry.pending.values()) job.reject(error);
      entry.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`normalize worker exited (${code})`)));
    this.#workers.push(entry);
    return entry;
  }
}
