import { parseDuration } from "./duration.ts";
import { dotted, type Segment } from "./load.ts";
import type { Step } from "./playbook-schema.ts";
import { LIMIT_RANGES } from "./sandbox/types.ts";

/** A step's policy in milliseconds, compiled once when its playbook loads; nothing is parsed per attempt. */
export interface StepPolicy {
  /** Attempts, the first included. */
  maxAttempts: number;
  /** Exponential backoff between attempts: initial × 2^(failures − 1), at most max. */
  backoff: { initialMs: number; maxMs: number };
  /** How long one attempt may take (every kind but `approval`, whose timeout is its deadline). */
  timeoutMs?: number;
  /** `wait`: how long to wait; `approval`: how long people have to decide (the engine's default when absent). */
  durationMs?: number;
}

export const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 30_000 };
/** The longest delay a Node timer can hold (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

function formatMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms}ms`;
}

/** The longest a `wait` or an approval may last: past it a deadline is no longer a date a store keeps. */
export const MAX_WAIT_MS = 366 * 86_400_000;
/** The longest pause between two attempts. */
export const MAX_BACKOFF_MS = 86_400_000;

/**
 * Every step's policy by step id (ids are unique across a playbook, foreach bodies included).
 * The playbook schema has checked each duration's format already; what a schema cannot say is
 * reported through `at`, with the step's place in the file.
 */
export function compilePolicies(
  steps: Iterable<[string, Step, Segment[]]>,
  at: (path: Segment[], message: string) => void,
): Map<string, StepPolicy> {
  const policies = new Map<string, StepPolicy>();
  for (const [id, step, where] of steps) {
    const policy: StepPolicy = { maxAttempts: 1, backoff: DEFAULT_BACKOFF };
    if ("retry" in step && step.retry) {
      const { max_attempts, backoff } = step.retry;
      policy.maxAttempts = max_attempts;
      const initialMs = backoff?.initial ? parseDuration(backoff.initial, "backoff.initial") : undefined;
      const maxMs = backoff?.max ? parseDuration(backoff.max, "backoff.max") : undefined;
      // A bound given alone moves the other default out of its way: `max: 500ms` starts at 500ms,
      // `initial: 1m` is not cut back to the default 30s maximum.
      policy.backoff = {
        initialMs: initialMs ?? Math.min(DEFAULT_BACKOFF.initialMs, maxMs ?? Number.POSITIVE_INFINITY),
        maxMs: maxMs ?? Math.max(DEFAULT_BACKOFF.maxMs, initialMs ?? 0),
      };
      if (policy.backoff.maxMs < policy.backoff.initialMs) {
        at(
          [...where, "retry", "backoff", "max"],
          `step "${id}": retry.backoff.max (${backoff?.max}) is shorter than retry.backoff.initial (${backoff?.initial})`,
        );
      }
    }
    if (step.type === "approval") {
      if (step.timeout) policy.durationMs = parseDuration(step.timeout, "timeout");
    } else if ("timeout" in step && step.timeout) {
      policy.timeoutMs = parseDuration(step.timeout, "timeout");
      const max = step.type === "script" ? LIMIT_RANGES.timeoutMs.max : MAX_TIMER_MS;
      if (policy.timeoutMs < 1 || policy.timeoutMs > max) {
        at(
          [...where, "timeout"],
          `${dotted([...where, "timeout"])} must be between 1ms and ${formatMs(max)}${step.type === "script" ? " for a script step" : ""} (got ${step.timeout})`,
        );
      }
    }
    if (step.type === "wait") policy.durationMs = parseDuration(step.duration, "duration");
    const over = (path: string[], ms: number | undefined, max: number, limit: string) => {
      if (ms !== undefined && ms > max)
        at([...where, ...path], `step "${id}": ${path.join(".")} is longer than ${limit}`);
    };
    if (step.type === "wait") over(["duration"], policy.durationMs, MAX_WAIT_MS, "366d");
    if (step.type === "approval") over(["timeout"], policy.durationMs, MAX_WAIT_MS, "366d");
    over(["retry", "backoff", "initial"], policy.backoff.initialMs, MAX_BACKOFF_MS, "1d");
    over(["retry", "backoff", "max"], policy.backoff.maxMs, MAX_BACKOFF_MS, "1d");
    policies.set(id, policy);
  }
  return policies;
}
