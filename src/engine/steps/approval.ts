import { iso } from "../clock.ts";
import { StepFailure } from "../errors.ts";
import type { ApprovalStep } from "../playbook-schema.ts";
import type { StepKind } from "./kind.ts";

/** Suspends the run until a person decides (the store settles the row) or the deadline passes. */
export const approvalStep: StepKind<ApprovalStep> = {
  timed: false,
  initialStatus: "waiting",
  continues: true,
  async prepare(env, ctx, id, step, policy) {
    return {
      message:
        step.message === undefined
          ? null
          : await env.expressions.map(step.message, ctx.scope, { step: id, field: "message" }),
      deadline: iso(env.clock.now() + (policy.durationMs ?? env.approvalTimeoutMs)),
    };
  },
  async execute(env, { key, row }) {
    const { deadline, message } = row.input as { deadline: string; message: unknown };
    if (Date.parse(deadline) <= env.clock.now()) {
      throw new StepFailure("ApprovalTimeout", `nobody approved or rejected "${key}" by ${deadline}`);
    }
    return { output: null, suspended: [{ kind: "approval", key, message, deadline }] };
  },
};
