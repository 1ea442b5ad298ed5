import type { TransformStep } from "../playbook-schema.ts";
import type { StepKind } from "./kind.ts";

/** A mapped value from the scope. */
export const transformStep: StepKind<TransformStep> = {
  timed: true,
  execute: async (env, { ctx, id, step }) => ({
    output: await env.expressions.map(step.output, ctx.scope, { step: id, field: "output" }),
  }),
};
