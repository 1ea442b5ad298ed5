import { totalmem } from "node:os";

const MB = 1024 * 1024;
/** The environment variable that sets the budget for a whole Rampart process. */
export const MEMORY_BUDGET_ENV = "RAMPART_SCRIPT_MEMORY_MB";

/** Default total for concurrently running scripts: 2048 MB, or half the machine's memory when that is less. */
export function defaultMemoryBudgetMb(): number {
  return Math.max(16, Math.min(2048, Math.floor(totalmem() / 2 / MB)));
}

/** The budget from the option, else RAMPART_SCRIPT_MEMORY_MB, else the default; a bad value is refused by name. */
export function resolveMemoryBudgetMb(option: number | undefined, env = process.env): number {
  if (option !== undefined) return checkBudget(option, "memoryBudgetMb");
  const text = env[MEMORY_BUDGET_ENV];
  if (text === undefined || text === "") return defaultMemoryBudgetMb();
  return checkBudget(/^[0-9]+$/.test(text.trim()) ? Number(text) : Number.NaN, MEMORY_BUDGET_ENV, text);
}

function checkBudget(value: number, field: string, given: unknown = value): number {
  if (!(Number.isSafeInteger(value) && value >= 16)) {
    throw new RangeError(`${field} must be a whole number of megabytes, at least 16 (got ${String(given)})`);
  }
  return value;
}

interface Waiter {
  mb: number;
  resolve(release: () => void): void;
  reject(error: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Megabytes shared by the scripts that run at the same time: a run holds its `memoryMb` from
 * before it takes a worker until it ends, so the sum granted never passes `totalMb`. Callers are
 * served in arrival order, so a large request is not starved by a stream of small ones.
 */
export class MemoryBudget {
  readonly totalMb: number;
  #freeMb: number;
  readonly #waiters: Waiter[] = [];

  constructor(totalMb: number) {
    this.totalMb = checkBudget(totalMb, "memoryBudgetMb");
    this.#freeMb = totalMb;
  }

  /** Megabytes granted to running scripts now. */
  get usedMb(): number {
    return this.totalMb - this.#freeMb;
  }

  /** Waits until `mb` fits, then grants it; resolves to a release function (safe to call twice). */
  acquire(mb: number, signal?: AbortSignal): Promise<() => void> {
    if (mb > this.totalMb) {
      return Promise.reject(
        new RangeError(
          `limits.memoryMb (${mb}) is more than the memory all scripts may use together ` +
            `(${this.totalMb} MB; raise it with ${MEMORY_BUDGET_ENV})`,
        ),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { mb, resolve, reject, signal };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          reject(signal.reason);
          this.#pump();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  /** Fails every waiting caller with `error`. */
  close(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener("abort", waiter.onAbort);
      waiter.reject(error);
    }
  }

  #pump(): void {
    while (this.#waiters.length > 0 && this.#waiters[0]!.mb <= this.#freeMb) {
      const waiter = this.#waiters.shift()!;
      if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener("abort", waiter.onAbort);
      this.#freeMb -= waiter.mb;
      let released = false;
      waiter.resolve(() => {
        if (released) return;
        released = true;
        this.#freeMb += waiter.mb;
        this.#pump();
      });
    }
  }
}
