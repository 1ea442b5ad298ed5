import type { Clock } from "../clock.ts";
import type { Expressions, Scope, StepView } from "../expressions.ts";
import type { LoadedPlaybook } from "../load.ts";
import type { OperationCaller, RunRedactor } from "../operation-caller.ts";
import type { Step } from "../playbook-schema.ts";
import type { StepPolicy } from "../policy.ts";
import type { Recordings } from "../recordings.ts";
import type { Lease, StepErrorData, StepRecord, StepWarning } from "../run-store.ts";
import type { ScriptRunnerLike, WaitingApproval } from "../types.ts";

/** One execution of a run, shared by every step of it. */
export interface RunState {
  id: string;
  /** Every recorded attempt, by step key. */
  rows: Map<string, StepRecord[]>;
  redactor: RunRedactor;
  /** The lease this execution writes under; every step record is refused once it is taken over. */
  lease?: Lease;
  /** Aborts the attempts in flight: the run was cancelled or its lease lost. */
  signal: AbortSignal;
  cancelled(): boolean;
  /** Step ends recorded but not yet waited for (see recordings.ts). */
  recordings: Recordings;
}

/** Where a step runs: its run, its playbook (nested ones have their own), its key prefix and scope. */
export interface Ctx {
  run: RunState;
  playbook: LoadedPlaybook;
  /** Prefix of step keys: `each[2].`, `child/`. */
  prefix: string;
  /** Connection alias → saved connection. */
  bindings: Record<string, string>;
  scope: Scope;
}

/** How a sequence of steps ended. */
export type SeqResult =
  | { kind: "completed"; last?: StepView }
  | { kind: "ended"; status: "success" | "failure"; message: string | null; last?: StepView }
  | { kind: "failed"; error: StepErrorData; key: string }
  | { kind: "suspended"; waiting: WaitingApproval[] };

/** What one attempt of a step kind gives back (it throws to fail). */
export interface AttemptResult {
  output: unknown;
  httpStatus?: number;
  warnings?: StepWarning[];
  /** The step waits for people (an approval): the run stops here until they decide or time runs out. */
  suspended?: WaitingApproval[];
}

/** What step kinds may use of the engine. */
export interface StepEnv {
  expressions: Expressions;
  caller: OperationCaller;
  scripts?: ScriptRunnerLike;
  clock: Clock;
  /** The approval timeout of a step that sets none. */
  approvalTimeoutMs: number;
  /**
   * A wait with more than this left parks its run (status `waiting`, no task held) until its deadline
   * instead of sleeping in the process; unset, every wait sleeps (a one-shot `rampart run`).
   */
  parkWaitsOverMs?: number;
  /** Walks a nested sequence (a foreach body, a nested playbook) with the same engine. */
  sequence(ctx: Ctx, steps: Record<string, Step>, start: string): Promise<SeqResult>;
  /** A playbook's outputs over a scope. */
  outputs(playbook: LoadedPlaybook, scope: Scope): Promise<unknown>;
}

/** One attempt as a step kind sees it: its recorded row (with the input it was prepared with). */
export interface AttemptCall<S extends Step> {
  ctx: Ctx;
  id: string;
  key: string;
  step: S;
  policy: StepPolicy;
  row: StepRecord;
  idempotencyKey: string;
  /** The attempt a crash cut short, when this attempt is the one that follows it. */
  interrupted?: StepRecord;
  /** The run's signal, with the step's timeout when it has one. */
  signal: AbortSignal;
}

/** One kind of step: how its input is prepared and what one attempt does. One file per kind in steps/. */
export interface StepKind<S extends Step = Step> {
  /** The input an attempt records before it runs (default null). */
  prepare?(env: StepEnv, ctx: Ctx, id: string, step: S, policy: StepPolicy): Promise<unknown>;
  /** How the attempt is recorded before it runs (default `running`; an approval is `waiting`). */
  initialStatus?: "running" | "waiting";
  /**
   * Whether an unfinished attempt found on resume is continued rather than interrupted and tried
   * again: steps that hold other steps (foreach, playbook) or wait (for a decision, for a deadline).
   */
  continues?: boolean;
  /** Whether the step's `timeout` bounds each attempt (not for an approval: there it is the deadline). */
  timed: boolean;
  execute(env: StepEnv, attempt: AttemptCall<S>): Promise<AttemptResult>;
}
