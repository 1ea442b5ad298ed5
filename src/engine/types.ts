/** The engine's vocabulary as its callers see it: what it reports while it works and when a run stops. */
import type { RunStatus, StepErrorData, StepStatus } from "./run-store.ts";

/** The script sandbox as the engine uses it (src/engine/sandbox provides it). */
export interface ScriptRunnerLike {
  run(
    request: {
      language: "python" | "javascript";
      code: string;
      input: unknown;
      limits?: { timeoutMs?: number; memoryMb?: number; maxOutputBytes?: number };
    },
    signal?: AbortSignal,
  ): Promise<{ output: unknown; logs?: unknown; durationMs?: number }>;
}

/**
 * What the engine reports while it works. A run is `queued` when recorded by `enqueue`, `started`
 * when first executed, `resumed` when continued; then it ends, or is `waiting`.
 */
export type RunEvent =
  | { type: "run"; runId: string; playbook: string; status: RunStatus | "started" | "resumed" }
  | {
      type: "step";
      runId: string;
      key: string;
      stepId: string;
      stepType: string;
      status: StepStatus | "replayed" | "retrying";
      attempt: number;
      httpStatus?: number | null;
      error?: StepErrorData | null;
      durationMs?: number;
    };

/** What a waiting run waits for: a person's decision, or a parked `wait` step's deadline. */
export interface WaitingApproval {
  kind: "approval" | "wait";
  key: string;
  message: unknown;
  deadline: string;
}

export interface RunOutcome {
  runId: string;
  status: RunStatus;
  outputs: unknown;
  error: StepErrorData | null;
  message: string | null;
  /** What the run waits for (status `waiting`): approvals and parked waits. */
  waiting: WaitingApproval[];
}
