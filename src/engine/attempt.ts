import { createHash } from "node:crypto";
import { type Clock, iso } from "./clock.ts";
import { errorData, RunCancelled, StepFailure } from "./errors.ts";
import type { StepView } from "./expressions.ts";
import type { Step } from "./playbook-schema.ts";
import { DEFAULT_BACKOFF, type StepPolicy } from "./policy.ts";
import { LeaseLostError, type RunStore, type StepErrorData, type StepRecord } from "./run-store.ts";
import { kindOf } from "./steps/index.ts";
import type { AttemptCall, AttemptResult, Ctx, StepEnv, StepKind } from "./steps/kind.ts";
import type { RunEvent, WaitingApproval } from "./types.ts";

/** Attempts of one step that may end with the process dying before it fails with ProcessCrashed. */
const MAX_PROCESS_CRASHES = 3;

/** How one step ended: with a view of its last attempt (and the step that follows), or suspended. */
export type StepOutcome =
  | { kind: "done"; view: StepView; next?: string }
  | { kind: "suspended"; waiting: WaitingApproval[] };

export interface AttemptsOptions {
  store: RunStore;
  clock: Clock;
  emit: (event: RunEvent) => void;
}

/**
 * The one wrapper every attempt of every step kind goes through: replay a settled step from its
 * record; else record the attempt (input redacted) before it runs, run it under its timeout, record
 * its end (output redacted), emit, and retry with backoff while the step's policy allows.
 */
export class Attempts {
  readonly #store: RunStore;
  readonly #clock: Clock;
  readonly #emit: (event: RunEvent) => void;

  constructor(options: AttemptsOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#emit = options.emit;
  }

  /** One step: replayed from its record when it already finished, else run with its retry policy. */
  async step(env: StepEnv, ctx: Ctx, id: string, step: Step): Promise<StepOutcome> {
    const kind = kindOf(step);
    const policy = ctx.playbook.policies.get(id) ?? { maxAttempts: 1, backoff: DEFAULT_BACKOFF };
    const key = ctx.prefix + id;
    const rows = ctx.run.rows.get(key) ?? [];
    ctx.run.rows.set(key, rows);
    const failures = () => rows.filter((r) => r.status === "failed").length;
    const emitStep = (
      fields: Omit<Extract<RunEvent, { type: "step" }>, "type" | "runId" | "key" | "stepId" | "stepType">,
    ) => this.#emit({ type: "step", runId: ctx.run.id, key, stepId: id, stepType: step.type, ...fields });

    const previous = rows.at(-1);
    if (previous && settled(previous, failures(), policy)) {
      emitStep({
        status: "replayed",
        attempt: previous.attempt,
        httpStatus: previous.httpStatus,
        error: previous.error,
      });
      const view = viewOf(previous);
      return { kind: "done", view, next: nextOf(step, view) };
    }
    const idempotencyKey = rows[0]?.idempotencyKey ?? idempotencyKeyOf(ctx.run.id, key);
    let resumeRow: StepRecord | undefined;
    let interrupted: StepRecord | undefined;
    let crashed: StepFailure | undefined;
    if (previous && (previous.status === "running" || previous.status === "waiting")) {
      if (kind.continues) {
        resumeRow = previous;
      } else {
        // The process died during this attempt: record that, and try again under the same idempotency key.
        await this.#store.finishStep(
          ctx.run.id,
          key,
          previous.attempt,
          {
            status: "interrupted",
            error: {
              type: "Interrupted",
              message: "the process stopped during this attempt",
              retryable: true,
            },
            finishedAt: iso(this.#clock.now()),
          },
          ctx.run.lease,
        );
        previous.status = "interrupted";
        previous.error = {
          type: "Interrupted",
          message: "the process stopped during this attempt",
          retryable: true,
        };
        interrupted = previous;
      }
    } else if (previous?.status === "interrupted" && previous.error?.type === "Interrupted") {
      // A process recorded the interruption and died before its next attempt began: that attempt
      // never ran, so the one before it may still have acted, and this one must look first as well.
      interrupted = previous;
    }
    if (interrupted) {
      // The next attempt sees it: a call that may have acted looks before it sends again.
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
            input = ctx.run.redactor.value(
              kind.prepare ? await kind.prepare(env, ctx, id, step, policy) : null,
            );
          } catch (error) {
            prepareError = error;
          }
          row = await this.#store.startStep(
            {
              runId: ctx.run.id,
              key,
              stepId: id,
              type: step.type,
              attempt,
              status: kind.initialStatus ?? "running",
              input,
              idempotencyKey,
              startedAt: iso(started),
            },
            ctx.run.lease,
          );
          // The step before this one was recorded as ended in the same commit as this start, or earlier.
          await ctx.run.recordings.settled();
          rows.push(row);
          emitStep({ status: row.status, attempt });
          if (prepareError !== undefined) throw prepareError;
        }
        if (crashed) throw crashed;
        await ctx.run.recordings.settled();
        result = await timed(kind, env, {
          ctx,
          id,
          key,
          step,
          policy,
          row,
          idempotencyKey,
          interrupted,
          signal: ctx.run.signal,
        });
      } catch (error) {
        // An earlier step's end that could not be recorded fails the run (not this step), as when it
        // was awaited there; this attempt, recorded as started, did not run.
        if (ctx.run.recordings.isFailure(error)) {
          if (row) {
            const notRun = {
              type: "Interrupted",
              message: "not run: the end of the step before it could not be recorded",
              retryable: true,
            };
            await this.#store
              .finishStep(
                ctx.run.id,
                key,
                row.attempt,
                { status: "interrupted", error: notRun, finishedAt: iso(this.#clock.now()) },
                ctx.run.lease,
              )
              .catch(() => {});
          }
          throw error;
        }
        if (ctx.run.cancelled() || error instanceof RunCancelled) {
          // cancelRun already recorded the attempt as interrupted; this write is refused once it has.
          if (row) {
            await this.#store
              .finishStep(
                ctx.run.id,
                key,
                row.attempt,
                {
                  status: "interrupted",
                  error: { type: "Cancelled", message: "the run was cancelled", retryable: false },
                  finishedAt: iso(this.#clock.now()),
                },
                ctx.run.lease,
              )
              .catch((e) => {
                if (!(e instanceof LeaseLostError)) throw e;
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
        const finish = {
          status: "succeeded" as const,
          output: ctx.run.redactor.value(result!.output),
          httpStatus: result!.httpStatus ?? null,
          warnings: ctx.run.redactor.value(result!.warnings ?? []),
          finishedAt: iso(finishedAt),
        };
        // Not waited for here: the next step's start (or the run's end) waits for it, so the two
        // writes share a commit. Nothing runs before both are in the store.
        const recorded = this.#store.finishStep(ctx.run.id, key, current.attempt, finish, ctx.run.lease);
        ctx.run.recordings.add(
          recorded.then(() =>
            emitStep({
              status: "succeeded",
              attempt: current.attempt,
              httpStatus: finish.httpStatus,
              durationMs,
            }),
          ),
        );
        Object.assign(current, finish);
        const view = viewOf(current);
        return { kind: "done", view, next: nextOf(step, view) };
      }
      const finish = {
        status: "failed" as const,
        error: failure,
        httpStatus: failure.status ?? null,
        finishedAt: iso(finishedAt),
      };
      await this.#store.finishStep(ctx.run.id, key, current.attempt, finish, ctx.run.lease);
      Object.assign(current, finish);
      const again = failure.retryable && failures() < policy.maxAttempts;
      emitStep({
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
      try {
        await this.#clock.sleep(backoffMs(policy, failures(), failure.retryAfterMs), ctx.run.signal);
      } catch {
        throw new RunCancelled();
      }
      attempt = current.attempt + 1;
      resumeRow = undefined;
      interrupted = undefined;
    }
  }
}

/** One attempt of a kind, under the step's timeout when it has one and the kind is timed. */
async function timed(kind: StepKind, env: StepEnv, call: AttemptCall<Step>): Promise<AttemptResult> {
  const timeoutMs = kind.timed ? call.policy.timeoutMs : undefined;
  if (timeoutMs === undefined) return kind.execute(env, call);
  const timer = new AbortController();
  let handle: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    handle = setTimeout(() => {
      const limit = "timeout" in call.step ? call.step.timeout : `${timeoutMs}ms`;
      const error = new StepFailure("TimeoutError", `step "${call.id}" did not finish within ${limit}`, {
        retryable: true,
      });
      timer.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const signal = AbortSignal.any([call.signal, timer.signal]);
    return await Promise.race([kind.execute(env, { ...call, signal }), expired]);
  } finally {
    clearTimeout(handle);
  }
}

/** Whether a step's last attempt settles it: succeeded, or failed for good. */
function settled(row: StepRecord, failures: number, policy: StepPolicy): boolean {
  return (
    row.status === "succeeded" ||
    (row.status === "failed" && (!row.error?.retryable || failures >= policy.maxAttempts))
  );
}

/** The policy's exponential backoff; a vendor's Retry-After wins when it asks for longer. */
export function backoffMs(policy: StepPolicy, failures: number, retryAfterMs = 0): number {
  const { initialMs, maxMs } = policy.backoff;
  return Math.min(maxMs, Math.max(initialMs * 2 ** (failures - 1), retryAfterMs));
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

/** Derived, not random, so every attempt of a step sends the same key, after a restart too. */
export function idempotencyKeyOf(runId: string, key: string): string {
  return `rampart-${createHash("sha256").update(`${runId}\0${key}`).digest("hex").slice(0, 32)}`;
}
