export type ScriptLanguage = "python" | "javascript";

/** Per-run limits; each run may lower or raise the runner's defaults. */
export interface ScriptLimits {
  /** Wall-clock time for one run; the script is killed when it passes. */
  timeoutMs: number;
  /** Memory the script may allocate on top of the interpreter's own. */
  memoryMb: number;
  /** Bytes of output JSON plus log lines together. */
  maxOutputBytes: number;
}

export interface ScriptRequest {
  language: ScriptLanguage;
  code: string;
  input: unknown;
  limits?: Partial<ScriptLimits>;
}

export interface ScriptResult {
  output: unknown;
  logs: string[];
  durationMs: number;
}

export interface ScriptRunner {
  run(req: ScriptRequest, signal?: AbortSignal): Promise<ScriptResult>;
  close(): Promise<void>;
}

export interface ScriptRunnerOptions {
  poolSize?: { python?: number; javascript?: number };
  defaults?: Partial<ScriptLimits>;
}

export const DEFAULT_LIMITS: ScriptLimits = { timeoutMs: 5_000, memoryMb: 128, maxOutputBytes: 1_048_576 };

/** What a worker (Python server or QuickJS thread) answers for one run, before it becomes a result or a ScriptError. */
export type WorkerReply =
  | { ok: true; output: unknown; logs: string[] }
  | { ok: false; logs: string[]; error: ScriptErrorData | { kind: "aborted"; message: string } };

export type ScriptErrorKind =
  | "timeout"
  | "memory"
  | "output-too-large"
  | "exception"
  | "forbidden"
  | "invalid-output";

/** The serializable form of a ScriptError, as run records carry it. */
export interface ScriptErrorData {
  type?: "ScriptError";
  kind: ScriptErrorKind;
  message: string;
  retryable?: boolean;
  language?: ScriptLanguage;
  /** The script's own exception class, e.g. "KeyError" or "TypeError". */
  errorType?: string;
  /** Line in the script where the error was raised. */
  line?: number;
  /** Python traceback or JavaScript stack, limited to the script's own frames. */
  traceback?: string;
  logs?: string[];
}
