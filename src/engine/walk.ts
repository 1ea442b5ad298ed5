import { Attempts } from "./attempt.ts";
import type { Clock } from "./clock.ts";
import type { Expressions, Scope, StepView } from "./expressions.ts";
import type { LoadedPlaybook } from "./load.ts";
import type { OperationCaller } from "./operation-caller.ts";
import type { Step } from "./playbook-schema.ts";
import type { RunStore, StepErrorData } from "./run-store.ts";
import type { Ctx, SeqResult, StepEnv } from "./steps/kind.ts";
import type { RunEvent, ScriptRunnerLike } from "./types.ts";

export interface WalkerOptions {
  store: RunStore;
  expressions: Expressions;
  caller: OperationCaller;
  scripts?: ScriptRunnerLike;
  clock: Clock;
  emit: (event: RunEvent) => void;
  approvalTimeoutMs: number;
  parkWaitsOverMs?: number;
}

/** Walks a playbook's steps along their edges, each step through the one attempt wrapper. */
export class Walker implements StepEnv {
  readonly expressions: Expressions;
  readonly caller: OperationCaller;
  readonly scripts?: ScriptRunnerLike;
  readonly clock: Clock;
  readonly approvalTimeoutMs: number;
  readonly parkWaitsOverMs?: number;
  readonly #attempts: Attempts;

  constructor(options: WalkerOptions) {
    this.expressions = options.expressions;
    this.caller = options.caller;
    this.scripts = options.scripts;
    this.clock = options.clock;
    this.approvalTimeoutMs = options.approvalTimeoutMs;
    this.parkWaitsOverMs = options.parkWaitsOverMs;
    this.#attempts = new Attempts({ store: options.store, clock: options.clock, emit: options.emit });
  }

  /** Walks one sequence of steps from `start`, following edges, until it ends, fails or waits. */
  async sequence(ctx: Ctx, steps: Record<string, Step>, start: string): Promise<SeqResult> {
    let id: string | undefined = start;
    let last: StepView | undefined;
    while (id !== undefined) {
      const step: Step = steps[id]!;
      const outcome = await this.#attempts.step(this, ctx, id, step);
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

  /** A playbook's outputs over a scope. */
  async outputs(playbook: LoadedPlaybook, scope: Scope): Promise<unknown> {
    const outputs = playbook.definition.outputs;
    if (!outputs) return {};
    return this.expressions.map(outputs, scope, { field: "outputs" });
  }
}
