import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { ScriptError } from "./errors.ts";
import { JavaScriptWorker, javascriptJob } from "./javascript.ts";
import { WorkerPool } from "./pool.ts";
import { findPython, PYTHON_MAX_MEMORY_MB, PythonWorker, pythonJob } from "./python.ts";
import {
  DEFAULT_LIMITS,
  type ScriptLanguage,
  type ScriptLimits,
  type ScriptRequest,
  type ScriptResult,
  type ScriptRunner,
  type ScriptRunnerOptions,
} from "./types.ts";
import type { SandboxWorker } from "./worker.ts";

const MAX_TIMEOUT_MS = 15 * 60_000;
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Runs script steps in warm, sandboxed worker pools: Python in fork servers that fork a locked-down
 * child per run, JavaScript in QuickJS (WebAssembly) on worker threads. Pools start on first use.
 */
export function createScriptRunner(options: ScriptRunnerOptions = {}): ScriptRunner {
  const defaults = checkLimits({ ...DEFAULT_LIMITS, ...options.defaults });
  const fallbackSize = Math.max(2, Math.min(4, availableParallelism()));
  let workDir: string | undefined;
  let python: string | undefined;
  const pools: Record<ScriptLanguage, WorkerPool<SandboxWorker>> = {
    python: new WorkerPool<SandboxWorker>(options.poolSize?.python ?? fallbackSize, (hooks) => {
      python ??= findPython();
      workDir ??= mkdtempSync(join(tmpdir(), "rampart-python-"));
      return new PythonWorker({ python, cwd: workDir }, hooks);
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
      const worker = await pool.acquire(signal);
      const started = performance.now();
      let reply: Awaited<ReturnType<SandboxWorker["run"]>>;
      try {
        reply = await worker.run(job, limits, signal);
      } catch (error) {
        if (error instanceof ScriptError) throw withLanguage(error, req.language);
        throw error;
      }
      const durationMs = performance.now() - started;
      if (reply.ok) return { output: reply.output, logs: reply.logs, durationMs };
      if (reply.error.kind === "aborted") throw signal?.reason ?? new Error(reply.error.message);
      throw new ScriptError({ ...reply.error, language: req.language, logs: reply.logs });
    },

    async close(): Promise<void> {
      closed = true;
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
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
    throw new RangeError(`limits.timeoutMs must be in (0, ${MAX_TIMEOUT_MS}], got ${timeoutMs}`);
  }
  if (!(Number.isInteger(memoryMb) && memoryMb >= 8 && memoryMb <= PYTHON_MAX_MEMORY_MB)) {
    throw new RangeError(
      `limits.memoryMb must be an integer in [8, ${PYTHON_MAX_MEMORY_MB}], got ${memoryMb}`,
    );
  }
  if (!(Number.isInteger(maxOutputBytes) && maxOutputBytes >= 16 && maxOutputBytes <= MAX_OUTPUT_BYTES)) {
    throw new RangeError(
      `limits.maxOutputBytes must be an integer in [16, ${MAX_OUTPUT_BYTES}], got ${maxOutputBytes}`,
    );
  }
  return { timeoutMs, memoryMb, maxOutputBytes };
}
