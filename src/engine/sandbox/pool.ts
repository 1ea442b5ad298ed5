/** What the pool needs from a worker: a way to stop it. Workers report idle/dead through PoolHooks. */
export interface PoolMember {
  kill(): void;
}

export interface PoolHooks<W> {
  /** The worker is ready for its next job. */
  idle(worker: W): void;
  /** The worker is gone (exited, crashed or retired); `startup` says it never became ready. */
  dead(worker: W, startup: boolean, reason: string): void;
}

interface Waiter<W> {
  resolve(worker: W): void;
  reject(error: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A fixed-size set of warm workers, started on first use. `acquire` hands out an idle worker or
 * queues the caller; a worker that dies is replaced, unless it died while starting (then the
 * waiters are told why, and the next acquire tries again).
 */
export class WorkerPool<W extends PoolMember> {
  readonly #size: number;
  readonly #spawn: (hooks: PoolHooks<W>) => W;
  readonly #idle: W[] = [];
  readonly #members = new Set<W>();
  readonly #waiters: Waiter<W>[] = [];
  #closed = false;
  #hooks: PoolHooks<W>;

  constructor(size: number, spawn: (hooks: PoolHooks<W>) => W) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.#size = size;
    this.#spawn = spawn;
    this.#hooks = {
      idle: (worker) => this.#onIdle(worker),
      dead: (worker, startup, reason) => this.#onDead(worker, startup, reason),
    };
  }

  acquire(signal?: AbortSignal): Promise<W> {
    if (this.#closed) return Promise.reject(new Error("script runner is closed"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const worker = this.#idle.pop();
    if (worker !== undefined) return Promise.resolve(worker);
    this.#fill();
    return new Promise<W>((resolve, reject) => {
      const waiter: Waiter<W> = { resolve, reject, signal };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /** Stops every worker and fails every queued caller. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0))
      this.#settle(waiter).reject(new Error("script runner is closed"));
    for (const worker of this.#members) worker.kill();
    this.#members.clear();
    this.#idle.length = 0;
  }

  #fill(): void {
    while (!this.#closed && this.#members.size < this.#size) this.#members.add(this.#spawn(this.#hooks));
  }

  #onIdle(worker: W): void {
    if (this.#closed || !this.#members.has(worker)) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) this.#settle(waiter).resolve(worker);
    else this.#idle.push(worker);
  }

  #onDead(worker: W, startup: boolean, reason: string): void {
    if (!this.#members.delete(worker)) return;
    const at = this.#idle.indexOf(worker);
    if (at >= 0) this.#idle.splice(at, 1);
    if (this.#closed) return;
    if (startup) {
      // Do not respawn in a loop when the interpreter cannot start at all.
      if (this.#members.size === 0) {
        for (const waiter of this.#waiters.splice(0)) this.#settle(waiter).reject(new Error(reason));
      }
      return;
    }
    this.#fill();
  }

  #settle(waiter: Waiter<W>): Waiter<W> {
    if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener("abort", waiter.onAbort);
    return waiter;
  }
}
