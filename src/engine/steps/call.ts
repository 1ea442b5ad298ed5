import { ValidationError } from "../../connectors/sdk/index.ts";
import type { CallStep } from "../playbook-schema.ts";
import type { StepKind } from "./kind.ts";

/** A vendor operation through the step-call boundary; `status` is the vendor's HTTP status. */
export const callStep: StepKind<CallStep> = {
  timed: true,
  prepare: (env, ctx, id, step) =>
    env.expressions.map(step.input ?? {}, ctx.scope, { step: id, field: "input" }),
  async execute(env, { ctx, key, step, row, idempotencyKey, signal }) {
    const binding = ctx.playbook.definition.connections?.[step.connection];
    const connection = ctx.bindings[step.connection];
    if (!binding || !connection) {
      throw new ValidationError(`connection "${step.connection}" is not bound`, { field: "connection" });
    }
    const result = await env.caller.call({
      runId: ctx.run.id,
      stepKey: key,
      connection,
      connector: binding.connector,
      operation: step.operation,
      input: row.input,
      idempotencyKey,
      throwOnHttpError: step.fail_on_http_error !== false,
      signal,
    });
    return { output: result.output, httpStatus: result.status, warnings: result.warnings };
  },
};
