import { iso } from "../clock.ts";
import type { WaitStep } from "../playbook-schema.ts";
import type { StepKind } from "./kind.ts";

/** Sleeps until a deadline recorded with the attempt, so a wait resumed after a restart keeps it. */
export const waitStep: StepKind<WaitStep> = {
  timed: true,
  async prepare(env, _ctx, _id, step, policy, carried) {
    const until = (carried as { until?: string } | undefined)?.until;
    return { duration: step.duration, until: until ?? iso(env.clock.now() + (policy.durationMs ?? 0)) };
  },
  async execute(env, { row, signal }) {
    const { until } = row.input as { until: string };
    const remaining = Date.parse(until) - env.clock.now();
    if (remaining > 0) await env.clock.sleep(remaining, signal);
    return { output: { until } };
  },
};
