import { schemas } from "../../connectors/sdk/index.ts";
import { StepFailure } from "../errors.ts";
import type { PlaybookStep } from "../playbook-schema.ts";
import type { Ctx, StepKind } from "./kind.ts";

/** A nested playbook (loaded with its parent) run inside this run, its steps keyed under `<step>/`. */
export const playbookStep: StepKind<PlaybookStep> = {
  timed: true,
  continues: true,
  prepare: (env, ctx, id, step) =>
    env.expressions.map(step.inputs ?? {}, ctx.scope, { step: id, field: "inputs" }),
  async execute(env, { ctx, id, key, step, row }) {
    const child = ctx.playbook.children.get(id);
    if (!child) throw new StepFailure("PlaybookFailed", `nested playbook ${step.path} was not loaded`);
    const inputs = child.definition.inputs
      ? schemas.assert(child.definition.inputs, structuredClone(row.input), "inputs")
      : row.input;
    const bindings: Record<string, string> = {};
    for (const alias of Object.keys(child.definition.connections ?? {})) {
      const parentAlias = step.connections?.[alias] ?? alias;
      bindings[alias] = ctx.bindings[parentAlias]!;
    }
    const suffix = row.attempt > 1 ? `@${row.attempt}` : "";
    const childCtx: Ctx = {
      run: ctx.run,
      playbook: child,
      prefix: `${key}${suffix}/`,
      bindings,
      scope: { inputs, steps: {}, alert: ctx.scope.alert },
    };
    const result = await env.sequence(childCtx, child.definition.steps, child.definition.start);
    if (result.kind === "suspended") return { output: null, suspended: result.waiting };
    const name = child.definition.name;
    if (result.kind === "failed") {
      throw new StepFailure("PlaybookFailed", `${name} failed at ${result.key}: ${result.error.message}`, {
        details: { error: result.error },
      });
    }
    if (result.kind === "ended" && result.status === "failure") {
      throw new StepFailure(
        "PlaybookFailed",
        `${name} ended in failure${result.message ? `: ${result.message}` : ""}`,
      );
    }
    return { output: await env.outputs(child, childCtx.scope) };
  },
};
