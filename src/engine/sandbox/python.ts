import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { PoolHooks } from "./pool.ts";
import { LIMIT_RANGES, type ScriptLimits, type WorkerReply } from "./types.ts";
import { SandboxWorker } from "./worker.ts";

const WORKER_SCRIPT = fileURLToPath(new URL("./python_worker.py", import.meta.url));
/** Ceiling of the fork server's own address space; each child lowers it to its run's memoryMb. */
export const PYTHON_MAX_MEMORY_MB = LIMIT_RANGES.memoryMb.max;
/** Frames larger than this mean the worker misbehaves; it is killed. */
const MAX_FRAME_BYTES = 512 * 1024 * 1024;
const STDERR_TAIL = 4096;

export interface PythonWorkerOptions {
  /** Absolute path of python3. */
  python: string;
  /** An empty directory to run in; the worker makes it its root. */
  cwd: string;
  /** The unprivileged user and group the worker becomes when Rampart runs as root. */
  user: { uid: number; gid: number };
}

/**
 * Finds the real python3 binary: PATH may hold a shim (pyenv, asdf) that would add its own
 * environment variables, so ask the interpreter for sys.executable once.
 */
export function findPython(): string {
  const command = process.env.RAMPART_PYTHON || "python3";
  const probe = spawnSync(command, ["-I", "-S", "-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
    timeout: 30_000,
  });
  const path = probe.stdout?.trim();
  if (probe.status !== 0 || !path) {
    throw new Error(
      `python3 not found or not runnable (${probe.error?.message ?? probe.stderr?.trim()}); set RAMPART_PYTHON`,
    );
  }
  return path;
}

/** One Python fork server (python_worker.py), spoken to in length-prefixed JSON frames. */
export class PythonWorker extends SandboxWorker {
  readonly #child: ChildProcessWithoutNullStreams;
  #buffer: Buffer = Buffer.alloc(0);
  #stderr = "";

  constructor(options: PythonWorkerOptions, hooks: PoolHooks<SandboxWorker>) {
    super(hooks);
    const { uid, gid } = options.user;
    const args = [WORKER_SCRIPT, String(PYTHON_MAX_MEMORY_MB), String(uid), String(gid)];
    this.#child = spawn(options.python, ["-I", "-S", "-B", ...args], {
      cwd: options.cwd,
      env: {},
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#child.stdout.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#child.stderr.setEncoding("utf8");
    this.#child.stderr.on("data", (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
    });
    this.#child.stdin.on("error", () => {});
    this.#child.on("error", (error) => this.gone(`python could not start: ${error.message}`));
    this.#child.on("exit", (code, signal) => {
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      this.gone(`python worker exited (${how})${this.#stderr ? `: ${this.#stderr.trim()}` : ""}`);
    });
  }

  // A run is two frames: a small header the server reads, then the script and its input, which the
  // server hands to the child unparsed (a large input is parsed once, by the child that uses it).
  protected send(job: object): void {
    const { code, input, ...header } = job as PythonJob;
    this.#write(header);
    this.#write({ code, input });
  }

  protected cancel(): void {
    this.#write({ op: "cancel" });
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }

  #write(message: object): void {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(body.length, 0);
    this.#child.stdin.write(Buffer.concat([head, body]));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 4) {
      const length = this.#buffer.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) {
        this.kill();
        return;
      }
      if (this.#buffer.length < 4 + length) return;
      const body = this.#buffer.subarray(4, 4 + length);
      this.#buffer = this.#buffer.subarray(4 + length);
      let message: WorkerReply | { ready: true };
      try {
        message = JSON.parse(body.toString("utf8"));
      } catch {
        // Only a script that escaped its child could garble the channel; do not trust this worker again.
        this.replied({
          ok: false,
          logs: [],
          error: { kind: "invalid-output", message: "script output is not valid JSON" },
        });
        this.kill();
        return;
      }
      if ("ready" in message) this.readied();
      else this.replied(message);
    }
  }
}

interface PythonJob {
  op: "run";
  code: string;
  input: unknown;
  limits: ScriptLimits;
}

/** The job python_worker.py expects (sent as a header frame and a payload frame). */
export function pythonJob(code: string, input: unknown, limits: ScriptLimits): object {
  return { op: "run", code, input, limits } satisfies PythonJob;
}
