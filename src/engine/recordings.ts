/**
 * A run's record writes that were sent but not yet waited for. A step's end is recorded while the
 * next step's input is worked out and its start is recorded, so both share one commit; the next
 * step does not run, and the run does not finish, before `settled()` says every earlier write is
 * in the store (or throws the first that failed, such as a lost lease).
 */
export class Recordings {
  #pending: Promise<void>[] = [];
  readonly #failures = new WeakSet<object>();

  /** Tracks a write; its failure is thrown by the next `settled()`, never left unhandled. */
  add(write: Promise<void>): void {
    write.catch((error: unknown) => {
      if (typeof error === "object" && error !== null) this.#failures.add(error);
    });
    this.#pending.push(write);
  }

  /** Whether `error` is one of these writes failing: the store's failure, never the next step's. */
  isFailure(error: unknown): boolean {
    return typeof error === "object" && error !== null && this.#failures.has(error);
  }

  /** Waits for every write added so far; throws the first failure among them. */
  async settled(): Promise<void> {
    while (this.#pending.length > 0) {
      const pending = this.#pending;
      this.#pending = [];
      await Promise.all(pending);
    }
  }
}
