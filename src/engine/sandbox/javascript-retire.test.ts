import assert from "node:assert/strict";
import { test } from "node:test";
import { JavaScriptWorker, javascriptJob } from "./javascript.ts";
import { createScriptRunner } from "./runner.ts";
import type { SandboxWorker } from "./worker.ts";

const LIMITS = { timeoutMs: 20_000, memoryMb: 256, maxOutputBytes: 1_048_576 };

/** A real QuickJS thread, with the pool's two hooks recorded. */
function startWorker() {
  const events: string[] = [];
  let onEvent = () => {};
  const next = () => new Promise<void>((resolve) => (onEvent = resolve));
  const worker = new JavaScriptWorker({
    idle: () => {
      events.push("idle");
      onEvent();
    },
    dead: (_worker: SandboxWorker, startup: boolean, reason: string) => {
      events.push(`dead${startup ? " at startup" : ""}: ${reason}`);
      onEvent();
    },
  });
  return { worker, events, next };
}

test("a thread whose WebAssembly memory a run grew past the bound is replaced after that run; small runs keep it", async () => {
  const { worker, events, next } = startWorker();
  try {
    await next();
    assert.deepEqual(events, ["idle"]);

    const small = await worker.run(
      javascriptJob("function main(input) { return input.n + 1 }", { n: 1 }, LIMITS),
      LIMITS,
    );
    assert.deepEqual(small, { ok: true, logs: [], output: 2 });
    await next();
    assert.deepEqual(events, ["idle", "idle"], "a small run leaves the thread in the pool");

    // About 140 MB of QuickJS heap, inside the run's 256 MB limit: the run succeeds.
    const big = await worker.run(
      javascriptJob(
        "function main() { const a = []; for (let i = 0; i < 1e6; i++) a.push({ i, s: 'x' + i }); return a.length }",
        null,
        LIMITS,
      ),
      LIMITS,
    );
    assert.deepEqual(big, { ok: true, logs: [], output: 1_000_000 });
    await next();
    assert.equal(events.length, 3);
    assert.match(events[2]!, /^dead: QuickJS thread retired: its WebAssembly memory grew to \d+ MB$/);
    await assert.rejects(worker.run(javascriptJob("function main() {}", null, LIMITS), LIMITS), /gone/);
  } finally {
    worker.kill();
  }
});

test("the runner keeps serving after its only thread is retired", async () => {
  const runner = createScriptRunner({ poolSize: { javascript: 1 }, defaults: LIMITS });
  try {
    const big =
      "function main() { const a = []; for (let i = 0; i < 1e6; i++) a.push({ i }); return a.length }";
    assert.equal((await runner.run({ language: "javascript", code: big, input: null })).output, 1_000_000);
    const after = await runner.run({
      language: "javascript",
      code: "function main(input) { return input }",
      input: "ok",
    });
    assert.equal(after.output, "ok");
  } finally {
    await runner.close();
  }
});
