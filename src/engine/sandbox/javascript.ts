import { Worker } from "node:worker_threads";
import type { PoolHooks } from "./pool.ts";
import type { JsJob } from "./quickjs-thread.ts";
import type { ScriptLimits, WorkerReply } from "./types.ts";
import { SandboxWorker } from "./worker.ts";

const THREAD_SCRIPT = new URL("./quickjs-thread.ts", import.meta.url);
/** Failures after which the thread keeps its WebAssembly module (see quickjs-thread.ts). */
const REUSABLE_AFTER = new Set(["exception", "forbidden", "invalid-output", "output-too-large"]);

type ThreadMessage = WorkerReply | { ready: true } | { fatal: string } | { retire: string };

/** One worker thread holding a warm QuickJS WebAssembly module. */
export class JavaScriptWorker extends SandboxWorker {
  readonly #thread: Worker;
  readonly #abort = new Int32Array(new SharedArrayBuffer(4));

  constructor(hooks: PoolHooks<SandboxWorker>) {
    super(hooks);
    this.#thread = new Worker(THREAD_SCRIPT, {
      workerData: { abort: this.#abort.buffer },
      // The thread never runs script code itself, but it needs no secrets either.
      env: {},
    });
    this.#thread.on("message", (message: ThreadMessage) => {
      if ("ready" in message) this.readied();
      else if ("fatal" in message) this.kill();
      else if ("retire" in message) {
        this.gone(`QuickJS thread retired: ${message.retire}`);
        this.kill();
      } else {
        this.replied(message);
        const harness =
          !message.ok && "errorType" in message.error && message.error.errorType === "HarnessError";
        if (!message.ok && (!REUSABLE_AFTER.has(message.error.kind) || harness)) this.kill();
      }
    });
    this.#thread.on("error", (error) => this.gone(`QuickJS thread failed: ${error.message}`));
    this.#thread.on("exit", (code) => this.gone(`QuickJS thread exited (code ${code})`));
  }

  protected send(job: object): void {
    Atomics.store(this.#abort, 0, 0);
    this.#thread.postMessage(job);
  }

  protected cancel(): void {
    Atomics.store(this.#abort, 0, 1);
  }

  kill(): void {
    void this.#thread.terminate();
  }
}

export function javascriptJob(code: string, input: unknown, limits: ScriptLimits): JsJob {
  return { code, inputJson: JSON.stringify(input) ?? "null", ...limits };
}
