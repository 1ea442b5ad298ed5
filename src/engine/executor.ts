import { createHash, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  ConflictError,
  type Logger,
  NotFoundError,
  schemas,
  silentLogger,
  ValidationError,
} from "../connectors/sdk/index.ts";
import { type Clock, iso, systemClock } from "./clock.ts";
import { parseDuration } from "./duration.ts";
import { errorData, RunCancelled, StepFailure } from "./errors.ts";
import { bareExpression, Expressions, type Scope, type StepView } from "./expressions.ts";
import { type ConnectorCatalog, type LoadedPlaybook, PlaybookCache } from "./load.ts";
import { type OperationCaller, RunRedactor } from "./operation-caller.ts";
import type {
  CallStep,
  ConditionStep,
  ForeachStep,
  PlaybookStep,
  ScriptStep,
  Step,
} from "./playbook-schema.ts";
import type {
  RunCause,
  RunRecord,
  RunStatus,
  RunStore,
  StepErrorData,
  StepRecord,
  StepStatus,
  StepWarning,
} from "./run-store.ts";

/** The script sandbox as the engine uses it (src/engine/sandbox provides it). */
export interface ScriptRunnerLike {
  run(
    request: {
      language: "python" | "javascript";
      code: string;
      input: unknown;
      limits?: { timeoutMs?: number; memoryMb?: number; maxOutputBytes?: number };
    },
    signal?: AbortSignal,
  ): Promise<{ output: unknown; logs?: unknown; durationMs?: number }>;
}

/** What the engine reports while it works; the CLI prints these as they happen. */
export type RunEvent =
  | { type: "run"; runId: string; playbook: string; status: RunStatus | "started" | "resumed" }
  | {
      type: "step";
      runId: string;
      key: string;
      stepId: string;
      stepType: string;
      status: StepStatus | "replayed" | "retrying";
      attempt: number;
      httpStatus?: number | null;
      error?: StepErrorData | null;
      durationMs?: number;
    };

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

export interface WaitingApproval {
  key: string;
  message: unknown;
  deadline: string;
}

export interface RunOutcome {
  runId: string;
  status: RunStatus;
  outputs: unknown;
  error: StepErrorData | null;
  message: string | null;
  /** Approvals the run waits for (status `waiting`). */
  waiting: WaitingApproval[];
}

interface RunState {
  id: string;
  rows: Map<string, StepRecord[]>;
  redactor: RunRedactor;
  signal: AbortSignal;
  cancelled: () => boolean;
}

interface Ctx {
  run: RunState;
  playbook: LoadedPlaybook;
  prefix: string;
  bindings: Record<string, string>;
  scope: Scope;
}

type SeqResult =
  | { kind: "completed"; last?: StepView }
  | { kind: "ended"; status: "success" | "failure"; message: string | null; last?: StepView }
  | { kind: "failed"; error: StepErrorData; key: string }
  | { kind: "suspended"; waiting: WaitingApproval[] };

type StepOutcome =
  | { kind: "done"; view: StepView; next?: string }
  | { kind: "suspended"; waiting: WaitingApproval[] };

interface AttemptResult {
  output: unknown;
  httpStatus?: number;
  warnings?: StepWarning[];
  suspended?: WaitingApproval[];
}

const DEFAULT_BACKOFF = { initial: 1_000, max: 30_000 };
/** Attempts of one step that may end with the process dying before it fails with ProcessCrashed. */
const MAX_PROCESS_CRASHES = 3;
const FINISHED: RunStatus[] = ["succeeded", "failed", "cancelled"];

/**
 * Runs playbooks durably: every step attempt is recorded before it runs and after it ends, so a run
 * continues from its last finished step after a crash, never repeating one.
 */
export class Engine {
  readonly #store: RunStore;
  readonly #catalog: ConnectorCatalog;
  readonly #caller: OperationCaller;
  readonly #scripts?: ScriptRunnerLike;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #emit: (event: RunEvent) => void;
  readonly #expressions = new Expressions();
  readonly #playbooks = new PlaybookCache();
  readonly #leaseMs: number;
  readonly #isOwnerAlive: (owner: string) => boolean;
  readonly #approvalTimeoutMs: number;
  readonly owner: string;

  constructor(options: EngineOptions) {
    this.#store = options.store;
    this.#catalog = options.catalog;
    this.#caller = options.caller;
    this.#scripts = options.scripts;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#emit = options.onEvent ?? (() => {});
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#isOwnerAlive = options.isOwnerAlive ?? localOwnerAlive;
    this.#approvalTimeoutMs = options.approvalTimeoutMs ?? 86_400_000;
  }

  /** Loads and checks a playbook, records a new run, and executes it until it finishes or waits. */
  async start(path: string, options: StartOptions = {}): Promise<RunOutcome> {
    if (options.runId) {
      const existing = await this.#store.getRun(options.runId);
      if (existing) return this.#existing(existing);
    }
    const playbook = await this.#playbooks.load(path, { catalog: this.#catalog });
    const connections = this.#checkBindings(playbook, options.connections ?? {});
    // Opening the connections first refuses a missing one before anything is recorded.
    const redactor = await this.#redactor(playbook, connections);
    const inputs = redactor.value(this.#checkInputs(playbook, options.inputs ?? {}));
    const now = this.#clock.now();
    const id = options.runId ?? randomUUID();
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
      owner: this.owner,
      leaseUntil: iso(now + this.#leaseMs),
      createdAt: iso(now),
    });
    let run: RunRecord;
    try {
      run = await created;
    } catch (error) {
      // Another process created the same id meanwhile: its run is the one.
      const existing = options.runId ? await this.#store.getRun(id) : undefined;
      if (existing) return this.#existing(existing);
      throw error;
    }
    this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status: "started" });
    return this.#execute(run, playbook);
  }

  /** What a start with the id of an existing run reports: the run, continued first if it was orphaned. */
  async #existing(run: RunRecord): Promise<RunOutcome> {
    if (run.status === "running" && this.#orphaned(run, iso(this.#clock.now()))) return this.resume(run.id);
    return outcomeOf(run, []);
  }

  #orphaned(run: RunRecord, now: string): boolean {
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
    const playbook = await this.#playbooks.load(run.playbookPath, {
      catalog: this.#catalog,
      read: async (p) => {
        const text = run.sources[p];
        if (text === undefined) throw new Error(`the run has no stored source for ${p}`);
        return text;
      },
    });
    this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status: "resumed" });
    return this.#execute(run, playbook);
  }

  /**
   * Resumes every run left unfinished whose executor is gone, and every waiting run whose approval
   * was decided or has timed out. Returns the outcomes; a run that cannot resume is reported as failed.
   */
  async resumeOrphans(): Promise<RunOutcome[]> {
    const outcomes: RunOutcome[] = [];
    const now = iso(this.#clock.now());
    for (const run of await this.#store.unfinishedRuns()) {
      const orphan = this.#orphaned(run, now);
      const due = run.status === "waiting" && (await this.#approvalDue(run.id));
      if (!orphan && !due) continue;
      try {
        outcomes.push(await this.resume(run.id));
      } catch (error) {
        this.#logger.warn("run could not resume", { runId: run.id, error: errorData(error).message });
      }
    }
    return outcomes;
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

  async #approvalDue(runId: string): Promise<boolean> {
    const now = iso(this.#clock.now());
    const steps = await this.#store.steps(runId);
    const latest = new Map<string, StepRecord>();
    for (const s of steps) latest.set(s.key, s);
    for (const s of latest.values()) {
      if (s.type !== "approval") continue;
      if (s.status !== "waiting") return true;
      if (((s.input as { deadline?: string }).deadline ?? "") <= now) return true;
    }
    return false;
  }

  #checkInputs(playbook: LoadedPlaybook, inputs: unknown): unknown {
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
          .renewLease(run.id, this.owner, iso(this.#clock.now() + this.#leaseMs))
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
    let redactor = new RunRedactor();
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
        signal: controller.signal,
        cancelled: () => cancelled,
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
        result = await this.#sequence(ctx, playbook.definition.steps, playbook.definition.start);
      } catch (error) {
        if (error instanceof RunCancelled || cancelled) {
          const after = await this.#store.getRun(run.id);
          this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status: "cancelled" });
          return outcomeOf(after ?? run, []);
        }
        throw error;
      }
      return await this.#finish(run, ctx, result);
    } catch (error) {
      // A failure of the engine itself (store, loading): record it so the run does not look alive.
      const data = redactor.value(errorData(error));
      await this.#store.finishRun(run.id, this.owner, {
        status: "failed",
        error: data,
        finishedAt: iso(this.#clock.now()),
      });
      this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status: "failed" });
      return { runId: run.id, status: "failed", outputs: null, error: data, message: null, waiting: [] };
    } finally {
      clearInterval(heartbeat);
    }
  }

  async #finish(run: RunRecord, ctx: Ctx, result: SeqResult): Promise<RunOutcome> {
    const now = iso(this.#clock.now());
    if (result.kind === "suspended") {
      await this.#store.finishRun(run.id, this.owner, { status: "waiting", finishedAt: null });
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
      outputs = ctx.run.redactor.value(await this.#outputs(ctx.playbook, ctx.scope));
    } catch (e) {
      // Outputs of a failed run are best effort; a succeeded run whose outputs fail, fails.
      if (status === "succeeded") {
        status = "failed";
        error = errorData(e);
      }
    }
    await this.#store.finishRun(run.id, this.owner, { status, outputs, error, message, finishedAt: now });
    this.#emit({ type: "run", runId: run.id, playbook: run.playbookName, status });
    return { runId: run.id, status, outputs, error, message, waiting: [] };
  }

  async #outputs(playbook: LoadedPlaybook, scope: Scope): Promise<unknown> {
    const outputs = playbook.definition.outputs;
    if (!outputs) return {};
    return this.#expressions.map(outputs, scope, { field: "outputs" });
  }

  /** Walks one sequence of steps from `start`, following edges, until it ends, fails or waits. */
  async #sequence(ctx: Ctx, steps: Record<string, Step>, start: string): Promise<SeqResult> {
    let id: string | undefined = start;
    let last: StepView | undefined;
    while (id !== undefined) {
      const step: Step = steps[id]!;
      const outcome = await this.#step(ctx, id, step);
      if (outcome.kind === "suspended") return outcome;
      const { view } = outcome;
      ctx.scope.steps[id] = view;
      if (step.type === "end") {
        const out = view.output as { status: "success" | "failure"; message: string | null };
        return { kind: "ended", status: out.status, message: out.message, last };
      }
      last = view;
      if (view.state === "failed" && outcome.next === undefined) {
        return { kind: "failed", error: view.error as StepErrorData, key: ctx.prefix + id };
      }
      id = outcome.next;
    }
    return { kind: "completed", last };
  }

  /** One step: replayed from its record when it already finished, else run with its retry policy. */
  async #step(ctx: Ctx, id: string, step: Step): Promise<StepOutcome> {
    const key = ctx.prefix + id;
    const rows = ctx.run.rows.get(key) ?? [];
    ctx.run.rows.set(key, rows);
    const maxAttempts = "retry" in step && step.retry ? step.retry.max_attempts : 1;
    const failures = () => rows.filter((r) => r.status === "failed").length;
    const settled = (row: StepRecord | undefined): boolean =>
      row !== undefined &&
      (row.status === "succeeded" ||
        (row.status === "failed" && (!row.error?.retryable || failures() >= maxAttempts)));

    const previous = rows.at(-1);
    if (settled(previous)) {
      const view = viewOf(previous!);
      this.#emit({
        type: "step",
        runId: ctx.run.id,
        key,
        stepId: id,
        stepType: step.type,
        status: "replayed",
        attempt: previous!.attempt,
        httpStatus: previous!.httpStatus,
        error: previous!.error,
      });
      return { kind: "done", view, next: nextOf(step, view) };
    }
    const idempotencyKey = rows[0]?.idempotencyKey ?? idempotencyKeyOf(ctx.run.id, key);
    let resumeRow: StepRecord | undefined;
    let carried: unknown;
    let crashed: StepFailure | undefined;
    if (previous && (previous.status === "running" || previous.status === "waiting")) {
      if (step.type === "foreach" || step.type === "playbook" || step.type === "approval") {
        resumeRow = previous;
      } else {
        // The process died during this attempt: record that, and try again under the same idempotency key.
        await this.#store.finishStep(ctx.run.id, key, previous.attempt, {
          status: "interrupted",
          error: { type: "Interrupted", message: "the process stopped during this attempt", retryable: true },
          finishedAt: iso(this.#clock.now()),
        });
        previous.status = "interrupted";
        previous.error = {
          type: "Interrupted",
          message: "the process stopped during this attempt",
          retryable: true,
        };
        carried = previous.input;
        const crashes = rows.filter(
          (r) => r.status === "interrupted" && r.error?.type === "Interrupted",
        ).length;
        // A step that takes the process down with it would do so on every start and block all other work.
        if (crashes >= MAX_PROCESS_CRASHES) {
          crashed = new StepFailure(
            "ProcessCrashed",
            `step ${id} stopped the process during ${crashes} attempts; it is not tried again`,
          );
        }
      }
    }
    let attempt = resumeRow ? resumeRow.attempt : (previous?.attempt ?? 0) + 1;

    for (;;) {
      if (ctx.run.signal.aborted) throw new RunCancelled();
      const started = this.#clock.now();
      let row = resumeRow;
      let result: AttemptResult | undefined;
      let failure: StepErrorData | undefined;
      try {
        if (!row) {
          let input: unknown = null;
          let prepareError: unknown;
          try {
            input = ctx.run.redactor.value(await this.#prepare(ctx, id, step, carried));
          } catch (error) {
            prepareError = error;
          }
          row = await this.#store.startStep({
            runId: ctx.run.id,
            key,
            stepId: id,
            type: step.type,
            attempt,
            status: step.type === "approval" ? "waiting" : "running",
            input,
            idempotencyKey,
            startedAt: iso(started),
          });
          rows.push(row);
          this.#emit({
            type: "step",
            runId: ctx.run.id,
            key,
            stepId: id,
            stepType: step.type,
            status: row.status,
            attempt,
          });
          if (prepareError !== undefined) throw prepareError;
        }
        if (crashed) throw crashed;
        result = await this.#attempt(ctx, id, key, step, row, idempotencyKey);
      } catch (error) {
        if (ctx.run.cancelled() || error instanceof RunCancelled) {
          if (row) {
            await this.#store.finishStep(ctx.run.id, key, row.attempt, {
              status: "interrupted",
              error: { type: "Cancelled", message: "the run was cancelled", retryable: false },
              finishedAt: iso(this.#clock.now()),
            });
          }
          throw new RunCancelled();
        }
        failure = ctx.run.redactor.value(errorData(error));
      }
      if (result?.suspended) return { kind: "suspended", waiting: result.suspended };
      const finishedAt = this.#clock.now();
      const durationMs = finishedAt - started;
      const current = row!;
      if (failure === undefined) {
        const output = ctx.run.redactor.value(result!.output);
        const warnings = ctx.run.redactor.value(result!.warnings ?? []);
        await this.#store.finishStep(ctx.run.id, key, current.attempt, {
          status: "succeeded",
          output,
          httpStatus: result!.httpStatus ?? null,
          warnings,
          finishedAt: iso(finishedAt),
        });
        Object.assign(current, {
          status: "succeeded",
          output,
          httpStatus: result!.httpStatus ?? null,
          warnings,
          finishedAt: iso(finishedAt),
        });
        this.#emit({
          type: "step",
          runId: ctx.run.id,
          key,
          stepId: id,
          stepType: step.type,
          status: "succeeded",
          attempt: current.attempt,
          httpStatus: result!.httpStatus ?? null,
          durationMs,
        });
        const view = viewOf(current);
        return { kind: "done", view, next: nextOf(step, view) };
      }
      await this.#store.finishStep(ctx.run.id, key, current.attempt, {
        status: "failed",
        error: failure,
        httpStatus: failure.status ?? null,
        finishedAt: iso(finishedAt),
      });
      Object.assign(current, {
        status: "failed",
        error: failure,
        httpStatus: failure.status ?? null,
        finishedAt: iso(finishedAt),
      });
      const again = failure.retryable && failures() < maxAttempts;
      this.#emit({
        type: "step",
        runId: ctx.run.id,
        key,
        stepId: id,
        stepType: step.type,
        status: again ? "retrying" : "failed",
        attempt: current.attempt,
        error: failure,
        durationMs,
      });
      if (!again) {
        const view = viewOf(current);
        return { kind: "done", view, next: nextOf(step, view) };
      }
      // Retries come before on_failure: wait the backoff, then the next attempt.
      const retry = "retry" in step ? step.retry : undefined;
      const initial = retry?.backoff?.initial
        ? parseDuration(retry.backoff.initial, "backoff.initial")
        : DEFAULT_BACKOFF.initial;
      const max = retry?.backoff?.max ? parseDuration(retry.backoff.max, "backoff.max") : DEFAULT_BACKOFF.max;
      // A vendor's Retry-After wins over the policy when it asks for longer.
      const delay = Math.min(max, Math.max(initial * 2 ** (failures() - 1), failure.retryAfterMs ?? 0));
      try {
        await this.#clock.sleep(delay, ctx.run.signal);
      } catch {
        throw new RunCancelled();
      }
      attempt = current.attempt + 1;
      resumeRow = undefined;
      carried = undefined;
    }
  }

  /** The input an attempt records before it runs. */
  async #prepare(ctx: Ctx, id: string, step: Step, carried: unknown): Promise<unknown> {
    switch (step.type) {
      case "call":
      case "script":
        return this.#expressions.map(step.input ?? {}, ctx.scope, { step: id, field: "input" });
      case "playbook":
        return this.#expressions.map(step.inputs ?? {}, ctx.scope, { step: id, field: "inputs" });
      case "foreach":
        return {
          items: await this.#expressions.evaluate(bareExpression(step.items), ctx.scope, {
            step: id,
            field: "items",
          }),
        };
      case "wait": {
        // A wait resumed after a restart keeps its original deadline.
        const until = (carried as { until?: string } | undefined)?.until;
        return {
          duration: step.duration,
          until: until ?? iso(this.#clock.now() + parseDuration(step.duration, "duration")),
        };
      }
      case "approval": {
        const timeout = step.timeout ? parseDuration(step.timeout, "timeout") : this.#approvalTimeoutMs;
        return {
          message:
            step.message === undefined
              ? null
              : await this.#expressions.map(step.message, ctx.scope, { step: id, field: "message" }),
          deadline: iso(this.#clock.now() + timeout),
        };
      }
      case "end":
        return null;
      default:
        return null;
    }
  }

  /** One attempt of a step, under its timeout. */
  async #attempt(
    ctx: Ctx,
    id: string,
    key: string,
    step: Step,
    row: StepRecord,
    idempotencyKey: string,
  ): Promise<AttemptResult> {
    const limit = "timeout" in step && step.type !== "approval" ? step.timeout : undefined;
    const timeoutMs = limit ? parseDuration(limit, "timeout") : undefined;
    if (timeoutMs === undefined)
      return this.#execStep(ctx, id, key, step, row, idempotencyKey, ctx.run.signal);
    const timer = new AbortController();
    const signal = AbortSignal.any([ctx.run.signal, timer.signal]);
    let handle: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      handle = setTimeout(() => {
        const error = new StepFailure("TimeoutError", `step "${id}" did not finish within ${limit}`, {
          retryable: true,
        });
        timer.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.#execStep(ctx, id, key, step, row, idempotencyKey, signal), expired]);
    } finally {
      clearTimeout(handle);
    }
  }

  async #execStep(
    ctx: Ctx,
    id: string,
    key: string,
    step: Step,
    row: StepRecord,
    idempotencyKey: string,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    switch (step.type) {
      case "call":
        return this.#call(ctx, key, step, row.input, idempotencyKey, signal);
      case "condition":
        return { output: await this.#condition(ctx, id, step) };
      case "transform":
        return { output: await this.#expressions.map(step.output, ctx.scope, { step: id, field: "output" }) };
      case "script":
        return { output: await this.#script(step, row.input, signal) };
      case "wait":
        return this.#wait(row.input as { until: string }, signal);
      case "approval":
        return this.#approval(key, row);
      case "foreach":
        return this.#foreach(ctx, key, step, row, signal);
      case "playbook":
        return this.#playbook(ctx, id, key, step, row);
      case "end": {
        const message =
          step.message === undefined
            ? null
            : await this.#expressions.map(step.message, ctx.scope, { step: id, field: "message" });
        return {
          output: { status: step.status, message: message === null ? null : stringOf(message) },
        };
      }
    }
  }

  async #call(
    ctx: Ctx,
    key: string,
    step: CallStep,
    input: unknown,
    idempotencyKey: string,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    const binding = ctx.playbook.definition.connections?.[step.connection];
    const connection = ctx.bindings[step.connection];
    if (!binding || !connection) {
      throw new ValidationError(`connection "${step.connection}" is not bound`, { field: "connection" });
    }
    const result = await this.#caller.call({
      runId: ctx.run.id,
      stepKey: key,
      connection,
      connector: binding.connector,
      operation: step.operation,
      input,
      idempotencyKey,
      throwOnHttpError: step.fail_on_http_error !== false,
      signal,
    });
    return { output: result.output, httpStatus: result.status, warnings: result.warnings };
  }

  async #condition(ctx: Ctx, id: string, step: ConditionStep): Promise<unknown> {
    for (const [index, branch] of step.branches.entries()) {
      const value = await this.#expressions.evaluate(bareExpression(branch.when), ctx.scope, {
        step: id,
        field: `branches[${index}].when`,
      });
      if (value === true) return { branch: index, next: branch.next };
      if (value !== false && value !== null) {
        throw new StepFailure(
          "ExpressionError",
          `branches[${index}].when must be true or false, got ${JSON.stringify(value)}`,
        );
      }
    }
    return { branch: "otherwise", next: step.otherwise ?? null };
  }

  async #script(step: ScriptStep, input: unknown, signal: AbortSignal): Promise<unknown> {
    if (!this.#scripts)
      throw new StepFailure("ScriptError", "no script sandbox is configured for this engine");
    const limits: { timeoutMs?: number; memoryMb?: number; maxOutputBytes?: number } = {};
    // The step's timeout bounds the script itself too, so the sandbox kills it rather than leaving it running.
    if (step.timeout) limits.timeoutMs = parseDuration(step.timeout, "timeout");
    if (step.limits?.memory_mb) limits.memoryMb = step.limits.memory_mb;
    if (step.limits?.output_bytes) limits.maxOutputBytes = step.limits.output_bytes;
    const result = await this.#scripts.run(
      { language: step.language, code: step.code, input, limits },
      signal,
    );
    return result.output;
  }

  async #wait(input: { until: string }, signal: AbortSignal): Promise<AttemptResult> {
    const remaining = Date.parse(input.until) - this.#clock.now();
    if (remaining > 0) await this.#clock.sleep(remaining, signal);
    return { output: { until: input.until } };
  }

  async #approval(key: string, row: StepRecord): Promise<AttemptResult> {
    const { deadline, message } = row.input as { deadline: string; message: unknown };
    if (Date.parse(deadline) <= this.#clock.now()) {
      throw new StepFailure("ApprovalTimeout", `nobody approved or rejected "${key}" by ${deadline}`);
    }
    return { output: null, suspended: [{ key, message, deadline }] };
  }

  async #foreach(
    ctx: Ctx,
    key: string,
    step: ForeachStep,
    row: StepRecord,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    const items = (row.input as { items: unknown }).items;
    if (!Array.isArray(items)) {
      throw new StepFailure("ExpressionError", `items must evaluate to a list, got ${typeName(items)}`);
    }
    const suffix = row.attempt > 1 ? `@${row.attempt}` : "";
    const results: unknown[] = new Array(items.length).fill(null);
    const failures: Array<{ index: number; key: string; error: StepErrorData }> = [];
    const waiting: WaitingApproval[] = [];
    let next = 0;
    const worker = async () => {
      while (next < items.length && failures.length === 0 && !signal.aborted) {
        const index = next++;
        const item = items[index];
        const scope: Scope = { ...ctx.scope, steps: { ...ctx.scope.steps }, item, index };
        const itemCtx: Ctx = { ...ctx, prefix: `${key}${suffix}[${index}].`, scope };
        const result = await this.#sequence(itemCtx, step.steps, step.start);
        if (result.kind === "failed") failures.push({ index, key: result.key, error: result.error });
        else if (result.kind === "suspended") waiting.push(...result.waiting);
        else if (result.kind === "ended" && result.status === "failure") {
          failures.push({
            index,
            key: `${itemCtx.prefix}`,
            error: {
              type: "PlaybookFailed",
              message: result.message ?? "item ended in failure",
              retryable: false,
            },
          });
        } else {
          results[index] =
            step.result !== undefined
              ? await this.#expressions.map(step.result, scope, { step: key, field: "result" })
              : (result.last?.output ?? null);
        }
      }
    };
    const concurrency = Math.min(step.concurrency ?? 1, Math.max(1, items.length));
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (signal.aborted) throw signal.reason ?? new RunCancelled();
    if (failures.length > 0) {
      const first = failures.sort((a, b) => a.index - b.index)[0]!;
      throw new StepFailure(
        "ForeachFailed",
        `item ${first.index} failed at ${first.key}: ${first.error.message}`,
        {
          details: { failures, results },
        },
      );
    }
    if (waiting.length > 0) return { output: null, suspended: waiting };
    return { output: results };
  }

  async #playbook(
    ctx: Ctx,
    id: string,
    key: string,
    step: PlaybookStep,
    row: StepRecord,
  ): Promise<AttemptResult> {
    const child = ctx.playbook.children.get(id);
    if (!child) throw new StepFailure("PlaybookFailed", `nested playbook ${step.path} was not loaded`);
    const inputs = child.definition.inputs
      ? schemas.assert(child.definition.inputs, structuredClone(row.input), "inputs")
      : row.input;
    const bindings: Record<string, string> = {};
    for (const alias of Object.keys(child.definition.connections ?? {})) {
      const parentAlias = step.connections?.[alias] ?? alias;
      bindings[alias] = ctx.bindings[parentAlias]!;
    }
    const suffix = row.attempt > 1 ? `@${row.attempt}` : "";
    const childCtx: Ctx = {
      run: ctx.run,
      playbook: child,
      prefix: `${key}${suffix}/`,
      bindings,
      scope: { inputs, steps: {}, alert: ctx.scope.alert },
    };
    const result = await this.#sequence(childCtx, child.definition.steps, child.definition.start);
    if (result.kind === "suspended") return { output: null, suspended: result.waiting };
    const name = child.definition.name;
    if (result.kind === "failed") {
      throw new StepFailure("PlaybookFailed", `${name} failed at ${result.key}: ${result.error.message}`, {
        details: { error: result.error },
      });
    }
    if (result.kind === "ended" && result.status === "failure") {
      throw new StepFailure(
        "PlaybookFailed",
        `${name} ended in failure${result.message ? `: ${result.message}` : ""}`,
      );
    }
    return { output: await this.#outputs(child, childCtx.scope) };
  }
}

function viewOf(row: StepRecord): StepView {
  const view: StepView = {
    output: row.output ?? null,
    state: row.status === "succeeded" ? "succeeded" : "failed",
    error: row.error ?? null,
  };
  if (row.httpStatus !== null) view.status = row.httpStatus;
  return view;
}

function nextOf(step: Step, view: StepView): string | undefined {
  if (step.type === "end") return undefined;
  if (view.state === "failed") return step.on_failure;
  if (step.type === "condition")
    return ((view.output as { next?: string | null }).next ?? undefined) || undefined;
  return "on_success" in step ? step.on_success : undefined;
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

/** Derived, not random, so every attempt of a step sends the same key, after a restart too. */
export function idempotencyKeyOf(runId: string, key: string): string {
  return `rampart-${createHash("sha256").update(`${runId}\0${key}`).digest("hex").slice(0, 32)}`;
}

function stringOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "a list" : typeof value;
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
