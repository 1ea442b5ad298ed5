import { bindConnections, type SavedConnection } from "../engine/bind-connections.ts";
import type { Engine, RunEvent, RunOutcome } from "../engine/executor.ts";
import type { LoadedPlaybook } from "../engine/load.ts";
import type { RunCause, RunStore } from "../engine/run-store.ts";

/** The run as the webhook route and the Scheduler see it: its status and, once ended, its result. */
export interface RunEnd {
  status: RunOutcome["status"];
  outputs: unknown;
  error: RunOutcome["error"];
  message: string | null;
}

export interface EngineRunsOptions {
  /** The Engine's `start` (execute here, in the background), or its `enqueue` (a Worker executes). */
  engine: Pick<Engine, "start">;
  store: Pick<RunStore, "getRun">;
  /** The playbook a trigger names. */
  playbook(name: string): LoadedPlaybook | undefined;
  /** The saved connections, to bind the playbook's aliases (as alert triggers do). */
  connections(): Promise<readonly SavedConnection[]>;
  /** How often `waitForEnd` looks at a run another process executes (default 200 ms). */
  pollMs?: number;
}

const STOPPED = new Set(["succeeded", "failed", "cancelled", "waiting"]);

/**
 * Starts the runs of webhooks and schedules: `startRun` returns as soon as the run is recorded, and
 * `waitForEnd` follows it to its end. Pass `onEvent` to the Engine so this adapter hears when a run
 * is recorded and when it ends in this process; runs executed elsewhere are polled.
 */
export class EngineRuns {
  readonly #options: EngineRunsOptions;
  readonly #executing = new Map<string, Promise<RunOutcome | undefined>>();
  readonly #recorded = new Map<string, () => void>();
  readonly #stopped = new Map<string, Set<() => void>>();

  constructor(options: EngineRunsOptions) {
    this.#options = options;
  }

  /** The Engine's event listener: resolves a pending start when its run is recorded. */
  readonly onEvent = (event: RunEvent): void => {
    if (event.type !== "run") return;
    if (event.status === "started" || event.status === "resumed" || event.status === "queued")
      this.#recorded.get(event.runId)?.();
    if (STOPPED.has(event.status)) for (const wake of this.#stopped.get(event.runId) ?? []) wake();
  };

  /** Starts (or, for an id that exists, reports) a run; resolves once it is recorded, rejects if it cannot start. */
  async startRun(request: {
    playbook: string;
    input: unknown;
    runId: string;
    cause: RunCause;
  }): Promise<string> {
    const playbook = this.#options.playbook(request.playbook);
    if (!playbook) throw new Error(`no loaded playbook "${request.playbook}"`);
    const connections = bindConnections(playbook, await this.#options.connections());
    const recorded = new Promise<void>((resolve) => this.#recorded.set(request.runId, resolve));
    const started = this.#options.engine.start(playbook.path, {
      inputs: request.input,
      runId: request.runId,
      cause: request.cause,
      connections,
    });
    const executing = started.then(
      (outcome) => outcome,
      () => undefined,
    );
    this.#executing.set(request.runId, executing);
    void executing.finally(() => {
      this.#executing.delete(request.runId);
      this.#recorded.delete(request.runId);
    });
    // A start refused before anything was recorded (a binding, an input) rejects here; a run that
    // fails later is the run's own result.
    await Promise.race([recorded, started]);
    return request.runId;
  }

  /** The run's end, or null when it is still running or waiting at `deadlineMs` (epoch ms). */
  async waitForEnd(runId: string, deadlineMs: number): Promise<RunEnd | null> {
    const stop = new AbortController();
    const timeout = delay(Math.max(0, deadlineMs - Date.now()), stop.signal);
    const waiters = this.#stopped.get(runId) ?? new Set<() => void>();
    this.#stopped.set(runId, waiters);
    let wake = () => {};
    const stopped = new Promise<void>((resolve) => {
      wake = resolve;
    });
    waiters.add(wake);
    try {
      const local = this.#executing.get(runId);
      if (local) await Promise.race([local, timeout]);
      for (;;) {
        const run = await this.#options.store.getRun(runId);
        if (!run) return null;
        if (run.status !== "queued" && run.status !== "running" && run.status !== "waiting")
          return { status: run.status, outputs: run.outputs, error: run.error, message: run.message };
        if (Date.now() >= deadlineMs) return null;
        const poll = delay(Math.min(this.#options.pollMs ?? 200, deadlineMs - Date.now()), stop.signal);
        await Promise.race([poll, timeout, stopped, this.#executing.get(runId) ?? poll]);
      }
    } finally {
      stop.abort();
      waiters.delete(wake);
      if (waiters.size === 0) this.#stopped.delete(runId);
    }
  }

  /** Resolves when every run started here has stopped executing (finished or waiting). */
  async drain(): Promise<void> {
    await Promise.all(this.#executing.values());
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
