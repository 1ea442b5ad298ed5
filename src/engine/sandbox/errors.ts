import type { ScriptErrorData, ScriptErrorKind, ScriptLanguage } from "./types.ts";

/**
 * A script step that did not produce an output. `kind` says why; engine routing reads `kind`
 * (and `retryable`, false for every kind: a script that timed out or ran out of memory does so again).
 */
export class ScriptError extends Error {
  readonly type = "ScriptError";
  readonly kind: ScriptErrorKind;
  readonly language?: ScriptLanguage;
  readonly errorType?: string;
  readonly line?: number;
  readonly traceback?: string;
  readonly logs: string[];

  constructor(data: ScriptErrorData) {
    super(data.message);
    this.kind = data.kind;
    this.language = data.language;
    this.errorType = data.errorType;
    this.line = data.line;
    this.traceback = data.traceback;
    this.logs = data.logs ?? [];
  }

  override get name(): string {
    return "ScriptError";
  }

  get retryable(): boolean {
    return false;
  }

  toJSON(): ScriptErrorData {
    const data: ScriptErrorData = {
      type: this.type,
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.language !== undefined) data.language = this.language;
    if (this.errorType !== undefined) data.errorType = this.errorType;
    if (this.line !== undefined) data.line = this.line;
    if (this.traceback !== undefined) data.traceback = this.traceback;
    if (this.logs.length > 0) data.logs = this.logs;
    return data;
  }

  /** Rebuilds the error from its JSON form (e.g. read back from a run record). */
  static fromJSON(data: ScriptErrorData): ScriptError {
    return new ScriptError(data);
  }
}

export function isScriptError(error: unknown): error is ScriptError {
  return error instanceof ScriptError;
}
