import { iso } from "../clock.ts";
import type { WaitStep } from "../playbook-schema.ts";
import type { StepKind } from "./kind.ts";

/**
 * Waits until a deadline recorded with the attempt, so a wait resumed after a restart keeps it. A
 * long wait in the service parks the run instead of sleeping: the attempt stays open, the run is
 * `waiting`, and the worker continues it when the deadline comes.
 */
export const waitStep: StepKind<WaitStep> = {
  timed: true,
  continues: true,
  async prepare(env, _ctx, _id, step, policy) {
    return { duration: step.duration, until: iso(env.clock.now() + (policy.durationMs ?? 0)) };
  },
  async execute(env, { key, row, signal }) {
    const { until } = row.input as { until: string };
    const remaining = Date.parse(until) - env.clock.now();
    if (env.parkWaitsOverMs !== undefined && remaining > env.parkWaitsOverMs)
      return { output: null, suspended: [{ kind: "wait", key, message: null, deadline: until }] };
    if (remaining > 0) await env.clock.sleep(remaining, signal);
    return { output: { until } };
  },
};
