import { isRampartError } from "../connectors/sdk/index.ts";
import { ExpressionError } from "./expressions.ts";
import type { StepErrorData } from "./run-store.ts";

/** A failure the engine itself raises (rejected approval, failed nested playbook…), with a type to route on. */
export class StepFailure extends Error {
  readonly data: StepErrorData;

  constructor(type: string, message: string, options: { retryable?: boolean; details?: unknown } = {}) {
    super(message);
    this.data = { type, message, retryable: options.retryable ?? false };
    if (options.details !== undefined) this.data.details = options.details;
  }
}

/**
 * A call a crash interrupted after it may have reached the vendor, of an operation that is not
 * idempotent and has no key to look for what it made: sending it again could act twice. Not
 * retryable; `on_failure` routes it, and a step with `retry_interrupted: true` is sent again instead.
 */
export class InterruptedError extends StepFailure {
  constructor(step: string, operation: string) {
    super(
      "InterruptedError",
      `step ${step} was interrupted while calling ${operation}, which is not idempotent and has no key to find what the vendor may have made; it is not sent again (set retry_interrupted: true to send it anyway)`,
    );
  }
}

/** Thrown through the executor when the run was cancelled; never recorded as a step's own failure. */
export class RunCancelled extends Error {
  constructor() {
    super("the run was cancelled");
  }
}

/** The record form of any error a step can throw. */
export function errorData(error: unknown): StepErrorData {
  if (error instanceof StepFailure) return error.data;
  if (isRampartError(error)) return error.toJSON();
  if (error instanceof ExpressionError) {
    return { type: "ExpressionError", message: error.message, retryable: false };
  }
  const e = error as {
    name?: string;
    kind?: string;
    message?: string;
    toJSON?: () => Record<string, unknown>;
  };
  if (e?.name === "ScriptError") {
    // The sandbox's ScriptError: kind, the script's own exception, line, traceback and logs go in details.
    const { type: _type, message: _message, retryable, ...details } = e.toJSON?.() ?? { kind: e.kind };
    return { type: "ScriptError", message: String(e.message), retryable: retryable === true, details };
  }
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return { type: "TimeoutError", message: String(e.message ?? "timed out"), retryable: true };
  }
  return { type: "Error", message: String(e?.message ?? error), retryable: false };
}
