import { EXIT as CORE_EXIT, classify } from "../core/errors.ts";

/** Exit codes: scripts tell a refused input from a failed remote call (src/core/errors.ts has the table). */
export const EXIT = { ok: CORE_EXIT.ok, failed: CORE_EXIT.failed, invalidInput: CORE_EXIT.refused } as const;

/** A command line that cannot be acted on (a flag missing or malformed). */
export class UsageError extends Error {
  override get name(): string {
    return "UsageError";
  }
}

/** Thrown by a command that has printed everything already and only sets the exit code. */
export class ExitCode extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit code ${code}`);
    this.code = code;
  }
}

/** Prints `<ErrorType>: <message>` on one line and returns the exit code the error table gives it. */
export function reportFailure(error: unknown, write = (line: string) => process.stderr.write(line)): number {
  if (error instanceof ExitCode) return error.code;
  const { type, exitCode } = classify(error);
  write(`${type}: ${String((error as Error)?.message ?? error).replaceAll("\n", " ")}\n`);
  return exitCode;
}
