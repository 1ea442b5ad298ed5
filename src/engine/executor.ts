import { randomUUID, randomUUIDv7 } from "node:crypto";
import { hostname } from "node:os";
import {
  ConflictError,
  type Logger,
  NotFoundError,
  schemas,
  silentLogger,
  ValidationError,
} from "../connectors/sdk/index.ts";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../core/json-depth.ts";
import { type Clock, iso, systemClock } from "./clock.ts";
import { errorData, RunCancelled } from "./errors.ts";
import { Expressions } from "./expressions.ts";
import { type ConnectorCatalog, type LoadedPlaybook, PlaybookCache } from "./load.ts";
import { type OperationCaller, RunRedactor } from "./operation-caller.ts";
import { Recordings } from "./recordings.ts";
import {
  LeaseLostError,
  type RunCause,
  type RunClaim,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type StepErrorData,
  type StepRecord,
} from "./run-store.ts";
import type { Ctx, RunState, SeqResult } from "./steps/kind.ts";
import type { RunEvent, RunOutcome, ScriptRunnerLike, WaitingApproval } from "./types.ts";
import { Walker } from "./walk.ts";

export { idempotencyKeyOf } from "./attempt.ts";
export type { RunEvent, RunOutcome, ScriptRunnerLike, WaitingApproval } from "./types.ts";

export interface EngineOptions {
  store: RunStore;
  catalog: ConnectorCatalog;
  /** The step-call boundary every `call` step goes through. */
  caller: OperationCaller;
  scripts?: ScriptRunnerLike;
  clock?: Clock;
  logger?: Logger;
  onEvent?: (event: RunEvent) => void;
  /** Who executes runs here (default host:pid:random). */
  owner?: string;
  /** How long a claim on a run lasts without renewal (default 15s); renewed every third of it. */
  leaseMs?: number;
  /** Whether another run owner is still alive; default: same host and its pid exists. */
  isOwnerAlive?: (owner: string) => boolean;
  /** Default approval timeout when a step sets none (default 24h). */
  approvalTimeoutMs?: number;
  /** Park runs whose `wait` has more than this left instead of sleeping (the service); default never. */
  parkWaitsOverMs?: number;
}

export interface StartOptions {
  inputs?: unknown;
  /** Connection alias → saved connection name. */
  connections?: Record<string, string>;
  alert?: unknown;
  rerunOf?: string;
  /** What started the run (a webhook delivery, a schedule's firing), recorded with it. */
  cause?: RunCause;
  /**
   * The new run's id (default random). Starting again with the id of a run that exists starts
   * nothing: it reports that run (resuming it first when its executor is gone), so a caller that
   * derives the id from what caused the run can retry its start after a crash without doubling it.
   */
  runId?: string;
}

const FINISHED: RunStatus[] = ["succeeded", "failed", "cancelled"];

/** The runs a worker should execute now, and when the next parked one falls due. */
export interface DueRuns {
  runIds: string[];
  /** Epoch ms of the earliest future approval deadline or wait, null when nothing is parked. */
  nextAt: number | null;
}

/**
 * Runs playbooks durably: every step attempt is recorded before it runs and after it ends, so a run
 * continues from its last finished step after a crash, never repeating one.
 */
export class Engine {
  readonly #store: RunStore;
  readonly #catalog: ConnectorCatalog;
  readonly #caller: OperationCaller;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #emit: (event: RunEvent) => void;
  readonly #walker: Walker;
  readonly #playbooks = new PlaybookCache();
  readonly #leaseMs: number;
  readonly #isOwnerAlive: (owner: string) => boolean;
  /** Runs this engine is executing now, with their lease heartbeats. */
  readonly #active = new Map<string, NodeJS.Timeout>();
  readonly owner: string;

  constructor(options: EngineOptions) {
    this.#store = options.store;
    this.#catalog = options.catalog;
    this.#caller = options.caller;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#emit = options.onEvent ?? (() => {});
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#isOwnerAlive = options.isOwnerAlive ?? localOwnerAlive;
    this.#walker = new Walker({
      store: this.#store,
      expressions: new Expressions(),
      caller: this.#caller,
      scripts: options.scripts,
      clock: this.#clock,
      emit: this.#emit,
      approvalTimeoutMs: options.approvalTimeoutMs ?? 86_400_000,
      parkWaitsOverMs: options.parkWaitsOverMs,
    });
  }

  /** Loads and checks a playbook, records a new run, and executes it until it finishes or waits. */
  async start(path: string, options: StartOptions = {}): Promise<RunOutcome> {
    if (options.runId) {
      const existing = await this.#store.getRun(options.runId);
      if (existing) return this.#existing(existing);
    }
    const recorded = await this.#record(path, options, "running");
    if ("outcome" in recorded) return recorded.outcome;
    this.#emit({
      type: "run",
      runId: recorded.run.id,
      playbook: recorded.run.playbookName,
      status: "started",
    });
    return this.#execute(recorded.run, recorded.playbook);
  }

  /**
   * Loads and checks a playbook and records a `queued` run that a worker executes (`resume`); returns
   * at once. A start refused before anything is recorded (a missing connection, a bad input) throws.
   * With the id of a run that exists, records nothing and reports that run.
   */
  async enqueue(path: string, options: StartOptions = {}): Promise<RunOutcome> {
    if (options.runId) {
      const existing = await this.#store.getRun(options.runId);
      if (existing) return outcomeOf(existing, []);
    }
    const recorded = await this.#record(path, options, "queued");
    if ("outcome" in recorded) return recorded.outcome;
    this.#emit({
      type: "run",
      runId: recorded.run.id,
      playbook: recorded.run.playbookName,
      status: "queued",
    });
    return outcomeOf(recorded.run, []);
  }

  /** Records a new run, `running` under this engine's lease or `queued` for any worker. */
  async #record(
    path: string,
    options: StartOptions,
    status: "running" | "queued",
  ): Promise<{ run: RunRecord; playbook: LoadedPlaybook } | { outcome: RunOutcome }> {
    const playbook = await this.#playbooks.load(path, { catalog: this.#catalog });
    const connections = this.#checkBindings(playbook, options.connections ?? {});
    // Opening the connections first refuses a missing one before anything is recorded.
    const redactor = await this.#redactor(playbook, connections);
    const inputs = redactor.value(this.#checkInputs(playbook, options.inputs ?? {}));
    const now = this.#clock.now();
    // Time-ordered: a new run's rows go at the end of the run and step indexes, not on a random page each.
    const id = options.runId ?? randomUUIDv7();
    const created = this.#store.createRun({
      id,
      playbookName: playbook.definition.name,
      playbookPath: playbook.path,
      playbookHash: playbook.hash,
      sources: playbook.sources,
      inputs,
      connections,
      alert: options.alert ?? null,
      rerunOf: options.rerunOf ?? null,
      cause: options.cause ?? null,
      status,
      owner: status === "running" ? this.owner : null,
      leaseUntil: status === "running" ? iso(now + this.#leaseMs) : null,
      createdAt: iso(now),
    });
    try {
      return { run: await created, playbook };
    } catch (error) {
      // Another process created the same id meanwhile: its run is the one.
      const existing = options.runId ? await this.#store.getRun(id) : undefined;
      if (existing)
        return { outcome: status === "running" ? await this.#existing(existing) : outcomeOf(existing, []) };
      throw error;
    }
  }

  /** What a start with the id of an existing run reports: the run, continued first if it was orphaned. */
  async #existing(run: RunRecord): Promise<RunOutcome> {
    if (run.status === "queued" || (run.status === "running" && this.#orphaned(run, iso(this.#clock.now()))))
      return this.resume(run.id);
    return outcomeOf(run, []);
  }

  #orphaned(run: RunClaim, now: string): boolean {
    return (
      run.status === "running" &&
      (!run.owner || (run.leaseUntil ?? "") < now || !this.#isOwnerAlive(run.owner))
    );
  }

  /** Continues an unfinished run from its last finished step (after a crash, a decision or a restart). */
  async resume(runId: string): Promise<RunOutcome> {
    const found = await this.#store.getRun(runId);
    if (!found) throw new NotFoundError(`no run "${runId}"`, { field: "run" });
    if (FINISHED.includes(found.status)) return outcomeOf(found, []);
    const now = this.#clock.now();
    let steal = false;
    if (found.status === "running" && found.owner && found.owner !== this.owner) {
      const expired = (found.leaseUntil ?? "") < iso(now);
      steal = expired || !this.#isOwnerAlive(found.owner);
      if (!steal) throw new ConflictError(`run ${runId} is being executed by ${found.owner}`);
    }
    const run = await this.#store.claimRun(runId, this.owner, iso(now + this.#leaseMs), iso(now), steal);
    if (!run) throw new ConflictError(`run ${runId} could not be claimed (finished or taken meanwhile)`);
    const playbook = await this.#playbooks.loadVersion(run.playbookPath, run.playbookHash, {
      catalog: this.#catalog,
      sources: () => this.#store.playbookSources(run.playbookHash, run.playbookPath),
    });
    const status = found.status === "queued" ? "started" : "resumed";
    this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status });
    return this.#execute(run, playbook);
  }

  /**
   * Executes every run that is due here, one after another: queued runs, runs left unfinished whose
   * executor is gone, and waiting runs whose approval was decided or timed out or whose parked wait
   * has come. Returns the outcomes; a run that cannot resume is logged and skipped.
   */
  async resumeOrphans(): Promise<RunOutcome[]> {
    const outcomes: RunOutcome[] = [];
    for (const runId of (await this.dueRuns()).runIds) {
      try {
        outcomes.push(await this.resume(runId));
      } catch (error) {
        this.#logger.warn("run could not resume", { runId, error: errorData(error).message });
      }
    }
    return outcomes;
  }

  /** The unfinished runs a worker should execute now (not the ones this engine executes already). */
  async dueRuns(limit = 500): Promise<DueRuns> {
    const now = iso(this.#clock.now());
    const found = await this.#store.wakeable(now, limit);
    const runIds = found.due.filter((id) => !this.#active.has(id));
    for (const run of found.running)
      if (!this.#active.has(run.id) && this.#orphaned(run, now)) runIds.push(run.id);
    return { runIds, nextAt: found.nextAt === null ? null : Date.parse(found.nextAt) };
  }

  /** The ids of the runs this engine is executing now. */
  executing(): string[] {
    return [...this.#active.keys()];
  }

  /**
   * Gives up the runs still executing here (a service stopping past its grace period): their leases
   * are released so the next start, or another worker, continues them at once from their records.
   */
  async release(): Promise<string[]> {
    const released: string[] = [];
    for (const [runId, heartbeat] of this.#active) {
      clearInterval(heartbeat);
      if (await this.#store.releaseRun(runId, this.owner, iso(this.#clock.now()))) released.push(runId);
    }
    return released;
  }

  /** Records a person's decision on the run's pending approval, then continues the run. */
  async decide(
    runId: string,
    approved: boolean,
    by: string,
    comment?: string,
    key?: string,
  ): Promise<RunOutcome> {
    await this.#store.decideApproval(runId, { approved, by, comment, key, at: iso(this.#clock.now()) });
    return this.resume(runId);
  }

  /** Cancels an unfinished run; its executor stops at its next heartbeat or step. */
  async cancel(runId: string): Promise<RunRecord> {
    return this.#store.cancelRun(runId, iso(this.#clock.now()));
  }

  /** Starts the playbook of a finished run again, with the same inputs and connections. */
  async rerun(runId: string): Promise<RunOutcome> {
    const run = await this.#store.getRun(runId);
    if (!run) throw new NotFoundError(`no run "${runId}"`, { field: "run" });
    if (!FINISHED.includes(run.status))
      throw new ConflictError(`run ${runId} is ${run.status}; only a finished run can be re-run`);
    return this.start(run.playbookPath, {
      inputs: run.inputs,
      connections: run.connections,
      alert: run.alert,
      rerunOf: run.id,
    });
  }

  #checkInputs(playbook: LoadedPlaybook, inputs: unknown): unknown {
    if (nestedDeeperThan(inputs))
      throw new ValidationError(`inputs nest objects or lists more than ${MAX_JSON_DEPTH} deep`, {
        field: "inputs",
      });
    const copy = structuredClone(inputs);
    if (!playbook.definition.inputs) return copy;
    return schemas.assert(playbook.definition.inputs, copy, "inputs");
  }

  #checkBindings(playbook: LoadedPlaybook, given: Record<string, string>): Record<string, string> {
    const declared = playbook.definition.connections ?? {};
    for (const alias of Object.keys(given)) {
      if (!declared[alias]) {
        throw new ValidationError(
          `--connection ${alias}: the playbook declares no connection "${alias}" (declared: ${Object.keys(declared).join(", ") || "none"})`,
          { field: "connections" },
        );
      }
    }
    for (const [alias, { connector }] of Object.entries(declared)) {
      if (!given[alias]) {
        throw new ValidationError(
          `connection "${alias}" (${connector}) is not bound to a saved connection; pass --connection ${alias}=<name>`,
          { field: "connections" },
        );
      }
    }
    return { ...given };
  }

  /** Every secret of the run's connections, to keep them out of its record. */
  async #redactor(playbook: LoadedPlaybook, bindings: Record<string, string>): Promise<RunRedactor> {
    const redactor = new RunRedactor();
    for (const [alias, name] of Object.entries(bindings)) {
      const connector = playbook.definition.connections?.[alias]?.connector;
      if (connector) redactor.add(await this.#caller.open(name, connector));
    }
    return redactor;
  }

  async #execute(run: RunRecord, playbook: LoadedPlaybook): Promise<RunOutcome> {
    const controller = new AbortController();
    let cancelled = false;
    const heartbeat = setInterval(
      () => {
        this.#store
          .renewLease(run.id, this.owner, iso(this.#clock.now() + this.#leaseMs), run.leaseEpoch)
          .then((ours) => {
            if (!ours) {
              cancelled = true;
              controller.abort(new RunCancelled());
            }
          })
          .catch((error) =>
            this.#logger.warn("lease renewal failed", { runId: run.id, error: String(error) }),
          );
      },
      Math.max(10, Math.floor(this.#leaseMs / 3)),
    );
    heartbeat.unref();
    this.#active.set(run.id, heartbeat);
    let redactor = new RunRedactor();
    const recordings = new Recordings();
    try {
      redactor = await this.#redactor(playbook, run.connections);
      const rows = new Map<string, StepRecord[]>();
      for (const step of await this.#store.steps(run.id)) {
        const list = rows.get(step.key) ?? [];
        list.push(step);
        rows.set(step.key, list);
      }
      const state: RunState = {
        id: run.id,
        rows,
        redactor,
        lease: { owner: this.owner, epoch: run.leaseEpoch },
        signal: controller.signal,
        cancelled: () => cancelled,
        recordings,
      };
      const ctx: Ctx = {
        run: state,
        playbook,
        prefix: "",
        bindings: run.connections,
        scope: { inputs: run.inputs, steps: {}, alert: run.alert },
      };
      let result: SeqResult;
      try {
        result = await this.#walker.sequence(ctx, playbook.definition.steps, playbook.definition.start);
      } catch (error) {
        if (error instanceof LeaseLostError) return await this.#leaseLost(run, error);
        if (error instanceof RunCancelled || cancelled) {
          const after = await this.#store.getRun(run.id);
          this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status: "cancelled" });
          return outcomeOf(after ?? run, []);
        }
        throw error;
      }
      return await this.#finish(run, ctx, result);
    } catch (error) {
      if (error instanceof LeaseLostError) return await this.#leaseLost(run, error);
      // Writes still in flight land (or fail) before the run's end is recorded after them.
      const lost = await recordings.settled().then(
        () => undefined,
        (e: unknown) => (e instanceof LeaseLostError ? e : undefined),
      );
      if (lost) return await this.#leaseLost(run, lost);
      // A failure of the engine itself (store, loading): record it so the run does not look alive.
      const data = redactor.value(errorData(error));
      await this.#store.finishRun(
        run.id,
        this.owner,
        { status: "failed", error: data, finishedAt: iso(this.#clock.now()) },
        run.leaseEpoch,
      );
      this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status: "failed" });
      return { runId: run.id, status: "failed", outputs: null, error: data, message: null, waiting: [] };
    } finally {
      clearInterval(heartbeat);
      this.#active.delete(run.id);
    }
  }

  /** Another worker holds the run now: stop here, record nothing, and report the run as the store has it. */
  async #leaseLost(run: RunRecord, error: LeaseLostError): Promise<RunOutcome> {
    this.#logger.warn("run lease taken over: stopped without recording", {
      runId: run.id,
      error: error.message,
    });
    return outcomeOf((await this.#store.getRun(run.id)) ?? run, []);
  }

  async #finish(run: RunRecord, ctx: Ctx, result: SeqResult): Promise<RunOutcome> {
    await ctx.run.recordings.settled();
    const now = iso(this.#clock.now());
    if (result.kind === "suspended") {
      const wakeAt = result.waiting.map((w) => w.deadline).sort()[0] ?? null;
      await this.#store.finishRun(
        run.id,
        this.owner,
        { status: "waiting", wakeAt, finishedAt: null },
        run.leaseEpoch,
      );
      this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status: "waiting" });
      return {
        runId: run.id,
        status: "waiting",
        outputs: null,
        error: null,
        message: null,
        waiting: result.waiting,
      };
    }
    let status: RunStatus = "succeeded";
    let error: StepErrorData | null = null;
    let message: string | null = null;
    if (result.kind === "failed") {
      status = "failed";
      error = result.error;
    } else if (result.kind === "ended") {
      message = result.message;
      if (result.status === "failure") {
        status = "failed";
        error = {
          type: "PlaybookFailed",
          message: message ?? "the playbook ended in failure",
          retryable: false,
        };
      }
    }
    let outputs: unknown = null;
    try {
      outputs = ctx.run.redactor.value(await this.#walker.outputs(ctx.playbook, ctx.scope));
    } catch (e) {
      // Outputs of a failed run are best effort; a succeeded run whose outputs fail, fails.
      if (status === "succeeded") {
        status = "failed";
        error = errorData(e);
      }
    }
    await this.#store.finishRun(
      run.id,
      this.owner,
      { status, outputs, error, message, finishedAt: now },
      run.leaseEpoch,
    );
    this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status });
    return { runId: run.id, status, outputs, error, message, waiting: [] };
  }
}

function outcomeOf(run: RunRecord, waiting: WaitingApproval[]): RunOutcome {
  return {
    runId: run.id,
    status: run.status,
    outputs: run.outputs,
    error: run.error,
    message: run.message,
    waiting,
  };
}

/** An owner `host:pid:…` on this host is alive when its pid exists; owners elsewhere count as alive. */
export function localOwnerAlive(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== hostname()) return true;
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return false;
  if (n === process.pid) return true;
  try {
    process.kill(n, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
