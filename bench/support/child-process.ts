// A helper process of a bench (a simulator, a listener, one measured phase): the bench's own file
// started again with arguments, which prints one JSON line when ready and lives until its stdin ends.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface Child<T> {
  /** What the child printed when it was ready. */
  info: T;
  process: ChildProcess;
  /** Ends its stdin and waits for it to exit. */
  close(): Promise<void>;
}

/** Starts `node script ...args` and resolves with its first line of output, parsed. */
export async function startChild<T>(script: string, args: string[]): Promise<Child<T>> {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", script, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) =>
      reject(new Error(`${args[0]} child exited with ${code} before it was ready`)),
    );
  });
  return {
    info: JSON.parse(first) as T,
    process: child,
    close: async () => {
      child.stdin!.end();
      if (child.exitCode === null && child.signalCode === null)
        await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

/** The child's side: prints `info` and, once the parent closes stdin, runs `close` and exits. */
export function serveUntilStdinEnds(info: unknown, close: () => Promise<unknown>): void {
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void close().then(() => process.exit(0)));
}

/** Runs a child to its end and returns its last line of output, parsed (a phase's result). */
export async function runPhase<T>(script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let last = "";
  for await (const line of createInterface({ input: child.stdout! })) last = line;
  const code = await new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`phase ${args.join(" ")} failed (exit ${code})`);
  return JSON.parse(last) as T;
}
