import { StepFailure } from "../errors.ts";
import type { ScriptStep } from "../playbook-schema.ts";
import type { StepKind } from "./kind.ts";

/** Python or JavaScript in the sandbox, on the mapped input. */
export const scriptStep: StepKind<ScriptStep> = {
  timed: true,
  prepare: (env, ctx, id, step) =>
    env.expressions.map(step.input ?? {}, ctx.scope, { step: id, field: "input" }),
  async execute(env, { step, policy, row, signal }) {
    if (!env.scripts) throw new StepFailure("ScriptError", "no script sandbox is configured for this engine");
    const limits: { timeoutMs?: number; memoryMb?: number; maxOutputBytes?: number } = {};
    // The step's timeout bounds the script itself too, so the sandbox kills it rather than leaving it running.
    if (policy.timeoutMs !== undefined) limits.timeoutMs = policy.timeoutMs;
    if (step.limits?.memory_mb) limits.memoryMb = step.limits.memory_mb;
    if (step.limits?.output_bytes) limits.maxOutputBytes = step.limits.output_bytes;
    const result = await env.scripts.run(
      { language: step.language, code: step.code, input: row.input, limits },
      signal,
    );
    return { output: result.output };
  },
};
