import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { EvaluationError, EvaluationJob, EvaluationReply, EvaluationRequest } from "./evaluator.ts";
import type { ExpressionLimits } from "./limits.ts";

const THREAD = new URL("./thread.ts", import.meta.url);
/** An idle thread ends after this long; the next evaluation starts a new one. */
const IDLE_MS = 30_000;

interface Pending {
  request: EvaluationRequest;
  /** Soft time limit plus grace: past it the thread is stopped by force. */
  hardMs: number;
  resolve(reply: EvaluationReply): void;
}

/** One expression thread: a FIFO of requests, the first of which is running. */
class ExpressionThread {
  readonly queue: Pending[] = [];
  readonly #worker: Worker;
  readonly #memoryMb: number;
  readonly #onGone: (thread: ExpressionThread, unfinished: Pending[]) => void;
  #ready = false;
  #gone = false;
  #timer: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;

  constructor(memoryMb: number, onGone: (thread: ExpressionThread, unfinished: Pending[]) => void) {
    this.#memoryMb = memoryMb;
    this.#onGone = onGone;
    this.#worker = new Worker(THREAD, {
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      env: {},
    });
    this.#worker.unref();
    this.#worker.on("message", (message: EvaluationReply | { ready: true }) => this.#onMessage(message));
    this.#worker.on("error", (error: Error & { code?: string }) => {
      const memory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
      this.#stop(
        memory
          ? { code: "R1006", message: `the evaluation used more than ${this.#memoryMb} MB and was stopped` }
          : { code: "R1007", message: `the expression thread failed: ${error.message}` },
      );
    });
    this.#worker.on("exit", () => this.#stop({ code: "R1007", message: "the expression thread stopped" }));
  }

  post(pending: Pending): void {
    clearTimeout(this.#idle);
    this.queue.push(pending);
    this.#worker.ref();
    this.#worker.postMessage(pending.request);
    if (this.queue.length === 1) this.#arm();
  }

  terminate(): void {
    this.#gone = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#idle);
    void this.#worker.terminate();
  }

  #onMessage(message: EvaluationReply | { ready: true }): void {
    if ("ready" in message) {
      this.#ready = true;
      this.#arm();
      return;
    }
    const head = this.queue.shift();
    clearTimeout(this.#timer);
    head?.resolve(message);
    this.#arm();
    if (this.queue.length === 0) {
      this.#worker.unref();
      this.#idle = setTimeout(() => this.#stop(undefined), IDLE_MS);
      this.#idle.unref();
    }
  }

  // The running evaluation's hard deadline; time spent starting the thread does not count.
  #arm(): void {
    clearTimeout(this.#timer);
    const head = this.queue[0];
    if (!this.#ready || head === undefined) return;
    this.#timer = setTimeout(() => {
      this.#stop({
        code: "R1008",
        message: `the evaluation did not stop within its time limit and was stopped after ${head.hardMs} ms`,
      });
    }, head.hardMs);
    this.#timer.unref();
  }

  // Ends the thread; the running request fails with `error`, the queued ones go to another thread.
  #stop(error: { code: string; message: string } | undefined): void {
    if (this.#gone) return;
    this.terminate();
    const [head, ...rest] = this.queue.splice(0);
    if (head !== undefined) {
      if (error === undefined) rest.unshift(head);
      else head.resolve({ id: head.request.id, ok: false, error: error as EvaluationError });
    }
    this.#onGone(this, rest);
  }
}

/**
 * Threads that evaluate expressions, each with a heap limit, each stopped by force when an
 * evaluation runs past its time limit plus grace (a regex inside a builtin, a huge native
 * `Array.join`: what JSONata's own guards cannot interrupt). A stopped thread is replaced; the
 * evaluations queued behind the one that was stopped go on in another thread.
 */
export class ExpressionPool {
  readonly #threads: ExpressionThread[] = [];
  readonly #size: number;
  readonly #memoryMb: number;
  #next = 1;
  #closed = false;

  constructor(options: { memoryMb: number; size?: number }) {
    this.#memoryMb = options.memoryMb;
    this.#size = options.size ?? Math.max(1, Math.min(2, availableParallelism()));
  }

  /** Evaluates one request; never rejects: a failure is a reply with `ok: false`. */
  run(request: EvaluationJob, limits: ExpressionLimits): Promise<EvaluationReply> {
    if (this.#closed) return Promise.reject(new Error("the expression pool is closed"));
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#dispatch({
        request: { ...request, id },
        hardMs: limits.timeoutMs + limits.graceMs,
        resolve,
      });
    });
  }

  /** Stops every thread; later evaluations are refused. */
  close(): void {
    this.#closed = true;
    for (const thread of this.#threads.splice(0)) {
      for (const p of thread.queue.splice(0))
        p.resolve({
          id: p.request.id,
          ok: false,
          error: { code: "R1007", message: "the expression pool closed" },
        });
      thread.terminate();
    }
  }

  #dispatch(pending: Pending): void {
    let thread: ExpressionThread | undefined;
    for (const t of this.#threads)
      if (thread === undefined || t.queue.length < thread.queue.length) thread = t;
    if (thread === undefined || (thread.queue.length > 0 && this.#threads.length < this.#size)) {
      thread = new ExpressionThread(this.#memoryMb, (gone, unfinished) => {
        const at = this.#threads.indexOf(gone);
        if (at >= 0) this.#threads.splice(at, 1);
        if (this.#closed) return;
        for (const p of unfinished) this.#dispatch(p);
      });
      this.#threads.push(thread);
    }
    thread.post(pending);
  }
}
