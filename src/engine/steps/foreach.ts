import { RunCancelled, StepFailure } from "../errors.ts";
import { bareExpression, type Scope } from "../expressions.ts";
import type { ForeachStep } from "../playbook-schema.ts";
import type { StepErrorData } from "../run-store.ts";
import type { WaitingApproval } from "../types.ts";
import type { Ctx, StepKind } from "./kind.ts";

/** Runs its body once per item, `concurrency` at a time; the first failure stops taking new items. */
export const foreachStep: StepKind<ForeachStep> = {
  timed: true,
  continues: true,
  prepare: async (env, ctx, id, step) => ({
    items: await env.expressions.evaluate(bareExpression(step.items), ctx.scope, {
      step: id,
      field: "items",
    }),
  }),
  async execute(env, { ctx, key, step, row, signal }) {
    const items = (row.input as { items: unknown }).items;
    if (!Array.isArray(items)) {
      throw new StepFailure("ExpressionError", `items must evaluate to a list, got ${typeName(items)}`);
    }
    // A retried foreach walks its items again under new keys, beside the failed attempt's.
    const suffix = row.attempt > 1 ? `@${row.attempt}` : "";
    const results: unknown[] = new Array(items.length).fill(null);
    const failures: Array<{ index: number; key: string; error: StepErrorData }> = [];
    const waiting: WaitingApproval[] = [];
    let next = 0;
    const worker = async () => {
      while (next < items.length && failures.length === 0 && !signal.aborted) {
        const index = next++;
        const item = items[index];
        const scope: Scope = { ...ctx.scope, steps: { ...ctx.scope.steps }, item, index };
        const itemCtx: Ctx = { ...ctx, prefix: `${key}${suffix}[${index}].`, scope };
        const result = await env.sequence(itemCtx, step.steps, step.start);
        if (result.kind === "failed") failures.push({ index, key: result.key, error: result.error });
        else if (result.kind === "suspended") waiting.push(...result.waiting);
        else if (result.kind === "ended" && result.status === "failure") {
          failures.push({
            index,
            key: itemCtx.prefix,
            error: {
              type: "PlaybookFailed",
              message: result.message ?? "item ended in failure",
              retryable: false,
            },
          });
        } else {
          results[index] =
            step.result !== undefined
              ? await env.expressions.map(step.result, scope, { step: key, field: "result" })
              : (result.last?.output ?? null);
        }
      }
    };
    const concurrency = Math.min(step.concurrency ?? 1, Math.max(1, items.length));
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (signal.aborted) throw signal.reason ?? new RunCancelled();
    if (failures.length > 0) {
      const first = failures.sort((a, b) => a.index - b.index)[0]!;
      throw new StepFailure(
        "ForeachFailed",
        `item ${first.index} failed at ${first.key}: ${first.error.message}`,
        {
          details: { failures, results },
        },
      );
    }
    if (waiting.length > 0) return { output: null, suspended: waiting };
    return { output: results };
  },
};

function typeName(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "a list" : typeof value;
}
