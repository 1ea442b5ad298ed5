import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { RAMPART } from "./rampart-process.ts";

/** A `rampart serve` child process on a free port, with everything it printed. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code once the process has ended. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `rampart serve --port 0` and resolves once it prints the address it listens on. */
export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn(RAMPART, ["serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (https?:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`rampart serve exited (${code}) before listening:\n${output}`)),
    );
  });
  return {
    url,
    child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
