import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

/** The CLI as users run it. */
export const RAMPART = resolve(import.meta.dirname, "../../bin/rampart");

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `rampart` to completion and returns its exit code and output; `stdin`, when given, is its standard input. */
export function rampart(args: string[], stdin?: string): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(RAMPART, args, { stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    child.stdin?.end(stdin);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** Starts `rampart` and resolves once its output matches `pattern` (rejects if it exits first). */
export function startUntil(
  args: string[],
  pattern: RegExp,
): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((done, fail) => {
    const child = spawn(RAMPART, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const check = (chunk: Buffer) => {
      output += chunk;
      if (pattern.test(output)) done({ child, output: () => output });
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`rampart exited (${code}) before ${pattern}:\n${output}`)));
  });
}

/** SIGKILLs a process started by startUntil and waits until it is gone. */
export function killed(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    child.removeAllListeners("exit");
    child.on("exit", () => done());
    child.kill("SIGKILL");
  });
}
