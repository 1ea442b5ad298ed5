import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { hostname } from "node:os";
import { RAMPART } from "./rampart-process.ts";

/** A `rampart worker` child process, with everything it printed. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** The start of the lease owner its runs carry (`host:pid:`). */
  owner: string;
  output(): string;
  /** Resolves with the exit code (null after a signal) once it has ended. */
  exited: Promise<number | null>;
  /** Sends `signal` and, unless it only pauses or continues the process, waits until it has ended. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `rampart <args...> worker <workerArgs...>` and resolves once it says it works. */
export async function startWorker(args: string[], workerArgs: string[] = []): Promise<WorkerProcess> {
  const child = spawn(RAMPART, [...args, "worker", ...workerArgs], { stdio: ["ignore", "pipe", "pipe"] });
  // A test process that ends abruptly (a cancelled test skips its cleanup) takes its workers with it.
  const orphaned = () => child.kill("SIGKILL");
  process.once("exit", orphaned);
  let output = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      process.off("exit", orphaned);
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (/rampart worker: working on/.test(output)) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) =>
      reject(new Error(`rampart worker exited (${code}) before working:\n${output}`)),
    );
  });
  const pid = child.pid!;
  return {
    child,
    pid,
    owner: `${hostname()}:${pid}:`,
    output: () => output,
    exited,
    async signal(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (signal === "SIGSTOP" || signal === "SIGCONT") {
        child.kill(signal);
        return;
      }
      const gone = once(child, "exit");
      child.kill(signal);
      await gone;
    },
  };
}
