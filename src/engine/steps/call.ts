import { type CallResult, ValidationError } from "../../connectors/sdk/index.ts";
import { InterruptedError } from "../errors.ts";
import type { OperationCall, OperationCaller, Recovery } from "../operation-caller.ts";
import type { CallStep } from "../playbook-schema.ts";
import type { StepWarning } from "../run-store.ts";
import type { AttemptResult, StepKind } from "./kind.ts";

/** A vendor operation through the step-call boundary; `status` is the vendor's HTTP status. */
export const callStep: StepKind<CallStep> = {
  timed: true,
  prepare: (env, ctx, id, step) =>
    env.expressions.map(step.input ?? {}, ctx.scope, { step: id, field: "input" }),
  async execute(env, { ctx, id, key, step, row, idempotencyKey, interrupted, signal }) {
    const binding = ctx.playbook.definition.connections?.[step.connection];
    const connection = ctx.bindings[step.connection];
    if (!binding || !connection) {
      throw new ValidationError(`connection "${step.connection}" is not bound`, { field: "connection" });
    }
    const request: OperationCall = {
      runId: ctx.run.id,
      stepKey: key,
      connection,
      connector: binding.connector,
      operation: step.operation,
      input: row.input,
      idempotencyKey,
      throwOnHttpError: step.fail_on_http_error !== false,
      signal,
    };
    if (!interrupted) return resultOf(await env.caller.call(request));

    // The attempt before this one may have acted at the vendor before the process died.
    const what = `${binding.connector}.${step.operation}`;
    const recovery = await recoveryOf(env.caller, request);
    if (recovery.kind === "found") return foundResult(recovery, what);
    if (recovery.kind === "unknown" && step.retry_interrupted !== true) throw new InterruptedError(id, what);
    try {
      return resultOf(await env.caller.call(request));
    } catch (error) {
      // A request the crash left in flight may have landed since the look ("IOC already exists"): look again.
      if (recovery.kind === "repeat" && recovery.reason === "not-found") {
        const again = await recoveryOf(env.caller, request);
        if (again.kind === "found") return foundResult(again, what);
      }
      throw error;
    }
  },
};

function resultOf(result: CallResult): AttemptResult {
  return { output: result.output, httpStatus: result.status, warnings: result.warnings };
}

async function recoveryOf(caller: OperationCaller, request: OperationCall): Promise<Recovery> {
  return caller.recover ? caller.recover(request) : { kind: "unknown" };
}

/** The object an interrupted attempt made, as this attempt's output, with a warning saying so. */
function foundResult(found: Extract<Recovery, { kind: "found" }>, what: string): AttemptResult {
  const note: StepWarning = {
    path: "",
    expected: `what ${what} makes`,
    got: "the object an interrupted earlier attempt made, found by its key (not made again)",
  };
  return { output: found.output, httpStatus: found.status, warnings: [note] };
}
