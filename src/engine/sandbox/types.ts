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
  /**
   * Megabytes all running scripts may hold together (default: RAMPART_SCRIPT_MEMORY_MB, else 2048
   * or half the machine's memory, whichever is less); a run waits until its memoryMb fits.
   */
  memoryBudgetMb?: number;
  /** Who Python workers run as when Rampart runs as root (default 65534:65534, nobody). */
  sandboxUser?: { uid: number; gid: number };
}

export const DEFAULT_LIMITS: ScriptLimits = { timeoutMs: 5_000, memoryMb: 128, maxOutputBytes: 1_048_576 };

/** The range each limit must fall in, inclusive; playbooks are checked against it when they load. */
export const LIMIT_RANGES = {
  timeoutMs: { min: 1, max: 15 * 60_000 },
  memoryMb: { min: 16, max: 4096 },
  maxOutputBytes: { min: 16, max: 256 * 1024 * 1024 },
} as const satisfies Record<keyof ScriptLimits, { min: number; max: number }>;

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
