import type { EndStep } from "../playbook-schema.ts";
import type { StepKind } from "./kind.ts";

/** Ends the run (inside a foreach, the item) with a status and a message. */
export const endStep: StepKind<EndStep> = {
  timed: false,
  async execute(env, { ctx, id, step }) {
    const message =
      step.message === undefined
        ? null
        : await env.expressions.map(step.message, ctx.scope, { step: id, field: "message" });
    return { output: { status: step.status, message: message === null ? null : stringOf(message) } };
  },
};

function stringOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
