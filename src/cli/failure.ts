import { isRampartError } from "../connectors/sdk/index.ts";

/** Exit codes: scripts tell a refused input from a failed remote call. */
export const EXIT = { ok: 0, failed: 1, invalidInput: 2 } as const;

export class UsageError extends Error {}

/** Thrown by a command that has printed everything already and only sets the exit code. */
export class ExitCode extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit code ${code}`);
    this.code = code;
  }
}

/** Prints `<ErrorType>: <message>` on one line and returns the exit code for it. */
export function reportFailure(error: unknown, write = (line: string) => process.stderr.write(line)): number {
  if (error instanceof ExitCode) return error.code;
  if (isRampartError(error)) {
    write(`${error.type}: ${error.message.replaceAll("\n", " ")}\n`);
    return error.type === "ValidationError" ? EXIT.invalidInput : EXIT.failed;
  }
  if (error instanceof UsageError) {
    write(`UsageError: ${error.message}\n`);
    return EXIT.invalidInput;
  }
  write(`Error: ${String((error as Error)?.message ?? error).replaceAll("\n", " ")}\n`);
  return EXIT.failed;
}
