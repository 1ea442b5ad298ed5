import { StepFailure } from "../errors.ts";
import { bareExpression } from "../expressions.ts";
import type { ConditionStep } from "../playbook-schema.ts";
import type { StepKind } from "./kind.ts";

/** The first branch whose `when` is true; its output names the step that follows. */
export const conditionStep: StepKind<ConditionStep> = {
  timed: true,
  async execute(env, { ctx, id, step }) {
    for (const [index, branch] of step.branches.entries()) {
      const value = await env.expressions.evaluate(bareExpression(branch.when), ctx.scope, {
        step: id,
        field: `branches[${index}].when`,
      });
      if (value === true) return { output: { branch: index, next: branch.next } };
      if (value !== false && value !== null) {
        throw new StepFailure(
          "ExpressionError",
          `branches[${index}].when must be true or false, got ${JSON.stringify(value)}`,
        );
      }
    }
    return { output: { branch: "otherwise", next: step.otherwise ?? null } };
  },
};
