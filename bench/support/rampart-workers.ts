// `rampart worker` processes as an operator starts them (the CLI from source on the pinned Node),
// each told its database by --database and sharing one data dir (the master key).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

const MAIN = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const READY = /rampart worker: working on/;

export interface WorkerOptions {
  databaseUrl: string;
  dataDir: string;
  /** The working directory: one with no ./playbooks, so a worker loads no shipped triggers or schedules. */
  cwd: string;
  concurrency: number;
  queues?: string;
  /**
   * Runs it under this host name, in a UTS namespace of its own (`unshare --uts`, root on Linux): to
   * other workers its runs' owner is on another machine, whose pid they cannot check.
   */
  hostname?: string;
}

/** Whether workers can be given a host name of their own here (see WorkerOptions.hostname). */
export function canRunAsAnotherHost(): boolean {
  const probe = spawnSync("unshare", ["--uts", "sh", "-c", "hostname rampart-bench-probe"], {
    stdio: "ignore",
  });
  return probe.status === 0;
}

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** When it printed that it works (Date.now()). */
  readyAt: number;
  /** What it wrote to stderr (warnings, a crash). */
  stderr(): string;
  /** SIGKILL; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (it drains); resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts one worker and resolves once it says it works (rejects if it exits first). */
export function startWorker(options: WorkerOptions): Promise<WorkerProcess> {
  const args = [
    "--disable-warning=ExperimentalWarning",
    MAIN,
    "--data-dir",
    options.dataDir,
    "worker",
    "--database",
    options.databaseUrl,
    "--queues",
    options.queues ?? "runs",
    "--concurrency",
    String(options.concurrency),
  ];
  // unshare execs sh, which sets the name and execs node: the child's pid stays the worker's.
  const setName = `hostname ${options.hostname} && exec "$0" "$@"`;
  const child = options.hostname
    ? spawn("unshare", ["--uts", "sh", "-c", setName, process.execPath, ...args], {
        cwd: options.cwd,
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(process.execPath, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
  });
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await gone;
  };
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`rampart worker exited (${code}) before it was ready:\n${stdout}${stderr}`));
    child.once("exit", onExit);
    child.stdout!.on("data", (chunk) => {
      const wasReady = READY.test(stdout);
      stdout += chunk;
      if (wasReady || !READY.test(stdout)) return;
      child.off("exit", onExit);
      resolve({
        pid: child.pid!,
        child,
        readyAt: Date.now(),
        stderr: () => stderr,
        kill: () => signal("SIGKILL"),
        stop: () => signal("SIGTERM"),
      });
    });
  });
}

/** Starts `n` workers at once; resolves once every one works. */
export async function startWorkers(n: number, options: WorkerOptions): Promise<WorkerProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: n }, () => startWorker(options)));
  const workers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await stopAll(workers);
    throw failed.reason;
  }
  return workers;
}

/** SIGTERMs every worker still running and waits for them. */
export async function stopAll(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
}
