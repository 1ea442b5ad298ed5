// A worker thread that runs JavaScript script steps in QuickJS compiled to WebAssembly. The script
// sees only the ECMAScript built-ins and a console: no process, require, fetch, fs or timers exist
// inside the WebAssembly boundary. Each run gets a fresh QuickJS runtime (its own heap, memory
// limit and interrupt handler) from the thread's warm WebAssembly module.
// Protocol: the parent posts a JsJob; the thread posts a WorkerReply, then {ready: true} once the
// next context is prepared. After a timeout, memory error, output overflow or cancel it posts no
// ready: the parent retires the thread. After a run that grew the WebAssembly memory past
// RETIRE_ABOVE_BYTES it posts {retire: reason} instead of ready, and the parent replaces it.
import { parentPort, workerData } from "node:worker_threads";
import {
  newQuickJSWASMModuleFromVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
} from "quickjs-emscripten-core";
import type { ScriptErrorData, WorkerReply } from "./types.ts";

export interface JsJob {
  code: string;
  /** The input, already JSON-encoded by the parent. */
  inputJson: string;
  timeoutMs: number;
  memoryMb: number;
  maxOutputBytes: number;
}

const SCRIPT_FILE = "script.js";
/**
 * WebAssembly memory grows but never shrinks: after a run that used this much, the thread is
 * replaced rather than keeping that run's peak for as long as the service lives. The module starts
 * at 16 MB, and small scripts keep it under 32.
 */
const RETIRE_ABOVE_BYTES = 64 * 2 ** 20;
const STACK_BYTES = 512 * 1024;

// Installed before the script: console.* formats in the guest and hands one string to the host.
const PRELUDE = `"use strict";
(() => {
  const log = globalThis.__rampart_log;
  delete globalThis.__rampart_log;
  const stringify = JSON.stringify;
  const format = (value) => {
    if (typeof value === "string") return value;
    if (value instanceof Error) return String(value.stack ? value + "\\n" + value.stack : value);
    try { const text = stringify(value); return text === undefined ? String(value) : text; }
    catch { return String(value); }
  };
  const write = (...args) => { log(args.map(format).join(" ")); };
  globalThis.console = Object.freeze({ log: write, info: write, warn: write, error: write, debug: write, trace: write });
})();`;

// Evaluated after the script: calls main with the input and JSON-encodes its (awaited) result.
const DRIVER = `(() => {
  const stringify = JSON.stringify;
  const input = JSON.parse(globalThis.__rampart_input);
  delete globalThis.__rampart_input;
  if (typeof main !== "function") return Promise.resolve('{"invalid":"the script defines no main(input) function"}');
  return (async () => {
    const result = await main(input);
    let text;
    try { text = stringify(result); }
    catch (error) { return stringify({ invalid: "output is not JSON: " + error.message }); }
    if (text === undefined) {
      if (result !== undefined) return stringify({ invalid: "output is not JSON: main returned a " + typeof result });
      text = "null";
    }
    return '{"output":' + text + "}";
  })();
})()`;

// Globals a Node script would reach for; meeting one of them is a sandbox refusal, not a bug.
const HOST_CAPABILITIES = new Set([
  "process",
  "require",
  "module",
  "exports",
  "fetch",
  "XMLHttpRequest",
  "WebSocket",
  "Buffer",
  "Deno",
  "Bun",
  "importScripts",
  "setTimeout",
  "setInterval",
  "setImmediate",
]);

class OutputTooLarge extends Error {}

/** Failures after which the runtime is known to be sound, so the thread stays in the pool. */
const REUSABLE_AFTER = new Set(["exception", "forbidden", "invalid-output", "output-too-large"]);

/** The run a prepared context is serving; its console and interrupt handler read it. */
interface RunState {
  job: JsJob;
  deadline: number;
  logs: string[];
  logBytes: number;
  overflow: boolean;
  timedOut: boolean;
}

interface Prepared {
  runtime: QuickJSRuntime;
  ctx: QuickJSContext;
  state: { current: RunState | null };
}

const quickjs = await newQuickJSWASMModuleFromVariant(import("@jitl/quickjs-wasmfile-release-sync"));
const abortFlag = new Int32Array(workerData.abort as SharedArrayBuffer);

/**
 * Builds a fresh runtime and context with the console installed. Creating a context costs a few
 * hundred microseconds, so the thread prepares the next one while idle, not while a run waits.
 */
function prepare(): Prepared {
  const state: Prepared["state"] = { current: null };
  const runtime = quickjs.newRuntime();
  runtime.setMaxStackSize(STACK_BYTES);
  runtime.setInterruptHandler(() => {
    const run = state.current;
    if (run === null) return false;
    if (Atomics.load(abortFlag, 0) !== 0) return true;
    if (performance.now() > run.deadline) run.timedOut = true;
    return run.timedOut;
  });
  const ctx = runtime.newContext();
  const logFn = ctx.newFunction("log", (line) => {
    const run = state.current!;
    const text = ctx.getString(line);
    run.logBytes += Buffer.byteLength(text, "utf8");
    if (run.overflow || run.logBytes > run.job.maxOutputBytes) {
      run.overflow = true;
      throw new OutputTooLarge(`script output passed ${run.job.maxOutputBytes} bytes`);
    }
    run.logs.push(text);
  });
  ctx.setProp(ctx.global, "__rampart_log", logFn);
  logFn.dispose();
  ctx.unwrapResult(ctx.evalCode(PRELUDE, "prelude.js")).dispose();
  return { runtime, ctx, state };
}

/** Runs one job to completion in a prepared context, then disposes of it. */
function runJob(job: JsJob, prepared: Prepared): WorkerReply {
  const { runtime, ctx } = prepared;
  const run: RunState = {
    job,
    deadline: performance.now() + job.timeoutMs,
    logs: [],
    logBytes: 0,
    overflow: false,
    timedOut: false,
  };
  const fail = (error: ScriptErrorData | { kind: "aborted"; message: string }): WorkerReply => ({
    ok: false,
    logs: run.logs,
    error,
  });
  const classify = (errorHandle: QuickJSHandle): WorkerReply => {
    const error = describe(ctx, errorHandle);
    errorHandle.dispose();
    if (Atomics.load(abortFlag, 0) !== 0)
      return fail({ kind: "aborted", message: "script run was cancelled" });
    if (run.overflow)
      return fail({ kind: "output-too-large", message: `script output passed ${job.maxOutputBytes} bytes` });
    if (run.timedOut) return fail({ kind: "timeout", message: `script timed out after ${job.timeoutMs} ms` });
    if (error.outOfMemory)
      return fail({ kind: "memory", message: `script ran out of memory (limit ${job.memoryMb} MB)` });
    return fail(error.data);
  };
  const settle = (promise: QuickJSHandle): WorkerReply => {
    for (;;) {
      const state = ctx.getPromiseState(promise);
      if (state.type === "fulfilled") {
        const text = ctx.getString(state.value);
        state.value.dispose();
        return finish(text, run);
      }
      if (state.type === "rejected") return classify(state.error);
      if (!runtime.hasPendingJob()) {
        return fail({
          kind: "exception",
          message: "main's promise never settled (no timers exist in script steps)",
        });
      }
      const jobs = runtime.executePendingJobs();
      if (jobs.error) return classify(jobs.error);
    }
  };
  try {
    prepared.state.current = run;
    runtime.setMemoryLimit(job.memoryMb * 1024 * 1024);
    const inputHandle = ctx.newString(job.inputJson);
    ctx.setProp(ctx.global, "__rampart_input", inputHandle);
    inputHandle.dispose();
    const loaded = ctx.evalCode(job.code, SCRIPT_FILE);
    if (loaded.error) return classify(loaded.error);
    loaded.value.dispose();
    const started = ctx.evalCode(DRIVER, "driver.js");
    if (started.error) return classify(started.error);
    try {
      return settle(started.value);
    } finally {
      started.value.dispose();
    }
  } catch (error) {
    // Failures of the host side itself, e.g. the memory limit hit while creating a handle.
    const message = error instanceof Error ? error.message : String(error);
    if (/out of memory/i.test(message)) {
      return fail({ kind: "memory", message: `script ran out of memory (limit ${job.memoryMb} MB)` });
    }
    return fail({
      kind: "exception",
      message: `script harness failed: ${message}`,
      errorType: "HarnessError",
    });
  }
}

function dispose(prepared: Prepared): void {
  prepared.state.current = null;
  prepared.ctx.dispose();
  prepared.runtime.dispose();
}

function finish(text: string, run: RunState): WorkerReply {
  const { job, logs } = run;
  if (run.logBytes + Buffer.byteLength(text, "utf8") > job.maxOutputBytes + '{"output":}'.length) {
    return {
      ok: false,
      logs,
      error: { kind: "output-too-large", message: `script output passed ${job.maxOutputBytes} bytes` },
    };
  }
  const parsed = JSON.parse(text) as { output?: unknown; invalid?: string };
  if (parsed.invalid !== undefined)
    return { ok: false, logs, error: { kind: "invalid-output", message: parsed.invalid } };
  return { ok: true, logs, output: parsed.output };
}

function describe(
  ctx: QuickJSContext,
  handle: QuickJSHandle,
): { data: ScriptErrorData; outOfMemory: boolean } {
  let dumped: unknown;
  try {
    dumped = ctx.dump(handle);
  } catch {
    dumped = null;
  }
  if (dumped === null || typeof dumped !== "object") {
    // QuickJS throws a bare null when it cannot even allocate the error object.
    const outOfMemory = dumped === null;
    return { data: { kind: "exception", message: `Uncaught ${String(dumped)}` }, outOfMemory };
  }
  const { name, message, stack } = dumped as { name?: string; message?: string; stack?: string };
  const errorType = typeof name === "string" ? name : "Error";
  const text = typeof message === "string" ? message : String(message);
  const outOfMemory = errorType === "InternalError" && /out of memory/.test(text);
  const frames =
    typeof stack === "string"
      ? stack
          .split("\n")
          .filter((line) => line.includes(SCRIPT_FILE))
          .slice(0, 20)
      : [];
  const lineMatch = frames[0]?.match(/script\.js:(\d+)/);
  const missing = errorType === "ReferenceError" ? text.match(/^'?([\w$]+)'? is not defined/) : null;
  const forbidden =
    (missing !== null && HOST_CAPABILITIES.has(missing[1]!)) || /could not load module/i.test(text);
  const data: ScriptErrorData = {
    kind: forbidden ? "forbidden" : "exception",
    message: `${errorType}: ${text}`,
    errorType,
    traceback: [`${errorType}: ${text}`, ...frames].join("\n"),
  };
  if (lineMatch) data.line = Number(lineMatch[1]);
  return { data, outOfMemory };
}

let spare = prepare();
parentPort!.on("message", (job: JsJob) => {
  const reply = runJob(job, spare);
  parentPort!.postMessage(reply);
  // A runtime that ran out of memory or was interrupted may be left inconsistent; the parent
  // replaces this thread instead of reusing its WebAssembly module.
  if (
    !reply.ok &&
    (!REUSABLE_AFTER.has(reply.error.kind) ||
      ("errorType" in reply.error && reply.error.errorType === "HarnessError"))
  )
    return;
  try {
    dispose(spare);
    const grown = quickjs.getWasmMemory().buffer.byteLength;
    if (grown > RETIRE_ABOVE_BYTES) {
      parentPort!.postMessage({ retire: `its WebAssembly memory grew to ${Math.round(grown / 2 ** 20)} MB` });
      return;
    }
    spare = prepare();
    parentPort!.postMessage({ ready: true });
  } catch (error) {
    parentPort!.postMessage({ fatal: error instanceof Error ? error.message : String(error) });
  }
});
parentPort!.postMessage({ ready: true });
