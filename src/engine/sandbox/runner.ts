import { rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { ScriptError } from "./errors.ts";
import { JavaScriptWorker, javascriptJob } from "./javascript.ts";
import { MemoryBudget, resolveMemoryBudgetMb } from "./memory-budget.ts";
import { WorkerPool } from "./pool.ts";
import { findPython, PythonWorker, pythonJob } from "./python.ts";
import {
  DEFAULT_LIMITS,
  LIMIT_RANGES,
  type ScriptLanguage,
  type ScriptLimits,
  type ScriptRequest,
  type ScriptResult,
  type ScriptRunner,
  type ScriptRunnerOptions,
} from "./types.ts";
import { makeWorkDir, removeStaleWorkDirs } from "./workdirs.ts";
import type { SandboxWorker } from "./worker.ts";

/** nobody:nogroup, which Python workers become when Rampart runs as root. */
const NOBODY = 65534;

/**
 * Runs script steps in warm, sandboxed worker pools: Python in fork servers that fork a locked-down
 * child per run, JavaScript in QuickJS (WebAssembly) on worker threads. Pools start on first use.
 * The runs in progress share one memory budget. Work dirs left by a killed Rampart are removed.
 */
export function createScriptRunner(options: ScriptRunnerOptions = {}): ScriptRunner {
  const defaults = checkLimits({ ...DEFAULT_LIMITS, ...options.defaults });
  const budget = new MemoryBudget(resolveMemoryBudgetMb(options.memoryBudgetMb));
  removeStaleWorkDirs();
  const fallbackSize = Math.max(2, Math.min(4, availableParallelism()));
  let workDir: string | undefined;
  let python: string | undefined;
  const user = options.sandboxUser ?? { uid: NOBODY, gid: NOBODY };
  const pools: Record<ScriptLanguage, WorkerPool<SandboxWorker>> = {
    python: new WorkerPool<SandboxWorker>(options.poolSize?.python ?? fallbackSize, (hooks) => {
      python ??= findPython();
      workDir ??= makeWorkDir();
      return new PythonWorker({ python, cwd: workDir, user }, hooks);
    }),
    javascript: new WorkerPool<SandboxWorker>(
      options.poolSize?.javascript ?? fallbackSize,
      (hooks) => new JavaScriptWorker(hooks),
    ),
  };
  let closed = false;

  return {
    async run(req: ScriptRequest, signal?: AbortSignal): Promise<ScriptResult> {
      if (closed) throw new Error("script runner is closed");
      const pool = pools[req.language];
      if (pool === undefined) throw new TypeError(`unknown script language: ${String(req.language)}`);
      if (typeof req.code !== "string") throw new TypeError("script code must be a string");
      const limits = checkLimits({ ...defaults, ...req.limits });
      const job =
        req.language === "python"
          ? pythonJob(req.code, req.input, limits)
          : javascriptJob(req.code, req.input, limits);
      const release = await budget.acquire(limits.memoryMb, signal);
      let reply: Awaited<ReturnType<SandboxWorker["run"]>>;
      let started: number;
      try {
        const worker = await pool.acquire(signal);
        started = performance.now();
        reply = await worker.run(job, limits, signal);
      } catch (error) {
        if (error instanceof ScriptError) throw withLanguage(error, req.language);
        throw error;
      } finally {
        release();
      }
      const durationMs = performance.now() - started;
      if (reply.ok) return { output: reply.output, logs: reply.logs, durationMs };
      if (reply.error.kind === "aborted") throw signal?.reason ?? new Error(reply.error.message);
      throw new ScriptError({ ...reply.error, language: req.language, logs: reply.logs });
    },

    async close(): Promise<void> {
      closed = true;
      budget.close(new Error("script runner is closed"));
      pools.python.close();
      pools.javascript.close();
      if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function withLanguage(error: ScriptError, language: ScriptLanguage): ScriptError {
  return new ScriptError({ ...error.toJSON(), language });
}

function checkLimits(limits: ScriptLimits): ScriptLimits {
  const { timeoutMs, memoryMb, maxOutputBytes } = limits;
  const { timeoutMs: time, memoryMb: memory, maxOutputBytes: output } = LIMIT_RANGES;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= time.min && timeoutMs <= time.max)) {
    throw new RangeError(`limits.timeoutMs must be in [${time.min}, ${time.max}], got ${timeoutMs}`);
  }
  if (!(Number.isInteger(memoryMb) && memoryMb >= memory.min && memoryMb <= memory.max)) {
    throw new RangeError(
      `limits.memoryMb must be an integer in [${memory.min}, ${memory.max}], got ${memoryMb}`,
    );
  }
  if (!(Number.isInteger(maxOutputBytes) && maxOutputBytes >= output.min && maxOutputBytes <= output.max)) {
    throw new RangeError(
      `limits.maxOutputBytes must be an integer in [${output.min}, ${output.max}], got ${maxOutputBytes}`,
    );
  }
  return { timeoutMs, memoryMb, maxOutputBytes };
}
