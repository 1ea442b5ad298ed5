import { ScriptError } from "./errors.ts";
import type { PoolHooks, PoolMember } from "./pool.ts";
import type { ScriptLimits, WorkerReply } from "./types.ts";

/** How long past its own deadline a worker may stay silent before the parent kills it. */
export const KILL_GRACE_MS = 1_500;

interface InFlight {
  resolve(reply: WorkerReply): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
  done: boolean;
}

/**
 * The parent's half of one sandbox worker (a Python fork server or a QuickJS thread): one job at
 * a time, a kill backstop past the job's timeout, cancellation, and reporting to its pool.
 */
export abstract class SandboxWorker implements PoolMember {
  readonly #hooks: PoolHooks<SandboxWorker>;
  #inFlight: InFlight | null = null;
  #ready = false;
  #everReady = false;
  #dead = false;

  constructor(hooks: PoolHooks<SandboxWorker>) {
    this.#hooks = hooks;
  }

  /** Sends one job; resolves with the worker's reply, rejects on abort, kill or crash. */
  run(job: object, limits: ScriptLimits, signal?: AbortSignal): Promise<WorkerReply> {
    if (this.#dead) return Promise.reject(new Error("sandbox worker is gone"));
    this.#ready = false;
    return new Promise<WorkerReply>((resolve, reject) => {
      const inFlight: InFlight = {
        resolve,
        reject,
        done: false,
        timer: setTimeout(() => {
          this.#finish(
            new ScriptError({ kind: "timeout", message: `script timed out after ${limits.timeoutMs} ms` }),
          );
          this.kill();
        }, limits.timeoutMs + KILL_GRACE_MS),
      };
      this.#inFlight = inFlight;
      if (signal !== undefined) {
        const onAbort = () => {
          if (inFlight.done) return;
          this.#finish(signal.reason);
          this.cancel();
        };
        if (signal.aborted) {
          queueMicrotask(onAbort);
        } else {
          signal.addEventListener("abort", onAbort, { once: true });
          const settle = () => signal.removeEventListener("abort", onAbort);
          inFlight.resolve = (reply) => {
            settle();
            resolve(reply);
          };
          inFlight.reject = (error) => {
            settle();
            reject(error);
          };
        }
      }
      this.send(job);
    });
  }

  /** Sends the job to the worker. */
  protected abstract send(job: object): void;
  /** Asks the worker to stop the current job. */
  protected abstract cancel(): void;
  /** Stops the worker for good; it must call gone() once it has. */
  abstract kill(): void;

  /** The worker said it is ready for a job. */
  protected readied(): void {
    if (this.#dead || this.#ready) return;
    this.#ready = true;
    this.#everReady = true;
    if (this.#inFlight === null || this.#inFlight.done) {
      this.#inFlight = null;
      this.#hooks.idle(this);
    }
  }

  /** The worker answered the current job. */
  protected replied(reply: WorkerReply): void {
    this.#finish(reply);
    if (this.#ready) this.readiedAfterReply();
  }

  private readiedAfterReply(): void {
    this.#inFlight = null;
    this.#hooks.idle(this);
  }

  /** The worker exited (or its thread ended). */
  protected gone(reason: string): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#finish(new ScriptError({ kind: "exception", message: `script worker stopped: ${reason}` }));
    this.#hooks.dead(this, !this.#everReady, reason);
  }

  #finish(outcome: WorkerReply | unknown): void {
    const inFlight = this.#inFlight;
    if (inFlight === null || inFlight.done) return;
    inFlight.done = true;
    clearTimeout(inFlight.timer);
    if (isReply(outcome)) inFlight.resolve(outcome);
    else inFlight.reject(outcome);
  }
}

function isReply(value: unknown): value is WorkerReply {
  return typeof value === "object" && value !== null && "ok" in value && "logs" in value;
}
