import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createScriptRunner } from "./index.ts";
import { MemoryBudget, resolveMemoryBudgetMb } from "./memory-budget.ts";

describe("memory budget of concurrent scripts", () => {
  test("grants in arrival order and never more than the total", async () => {
    const budget = new MemoryBudget(256);
    const order: string[] = [];
    const first = await budget.acquire(200);
    const second = budget.acquire(100).then((release) => {
      order.push("second");
      return release;
    });
    const third = budget.acquire(50).then((release) => {
      order.push("third");
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    // 50 MB would fit beside the first grant, but the 100 MB caller came first and waits.
    assert.deepEqual(order, []);
    assert.equal(budget.usedMb, 200);
    first();
    first(); // a second release changes nothing
    const releases = await Promise.all([second, third]);
    assert.deepEqual(order, ["second", "third"]);
    assert.equal(budget.usedMb, 150);
    for (const release of releases) release();
    assert.equal(budget.usedMb, 0);
  });

  test("a waiting caller can be aborted, and the next one is served", async () => {
    const budget = new MemoryBudget(100);
    const held = await budget.acquire(100);
    const controller = new AbortController();
    const aborted = budget.acquire(80, controller.signal);
    const next = budget.acquire(20);
    controller.abort(new Error("run cancelled"));
    await assert.rejects(aborted, /run cancelled/);
    held();
    (await next)();
    assert.equal(budget.usedMb, 0);
  });

  test("a request larger than the whole budget is refused with the setting that raises it", async () => {
    await assert.rejects(new MemoryBudget(256).acquire(512), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(
        error.message,
        /limits\.memoryMb \(512\) is more than .* \(256 MB; raise it with RAMPART_SCRIPT_MEMORY_MB\)/,
      );
      return true;
    });
  });

  test("the budget comes from the option, else RAMPART_SCRIPT_MEMORY_MB; bad values are named", () => {
    assert.equal(resolveMemoryBudgetMb(300, {}), 300);
    assert.equal(resolveMemoryBudgetMb(undefined, { RAMPART_SCRIPT_MEMORY_MB: "1024" }), 1024);
    const fallback = resolveMemoryBudgetMb(undefined, {});
    assert.ok(fallback >= 16 && fallback <= 2048, String(fallback));
    assert.throws(
      () => resolveMemoryBudgetMb(undefined, { RAMPART_SCRIPT_MEMORY_MB: "2GB" }),
      /RAMPART_SCRIPT_MEMORY_MB .* \(got 2GB\)/,
    );
    assert.throws(() => resolveMemoryBudgetMb(8, {}), /memoryBudgetMb .* at least 16/);
  });

  test("two python runs whose memory exceeds the budget together run one after the other", async () => {
    // Two workers are free, but 2 × 128 MB does not fit in 200 MB: the second run starts only once
    // the first has ended. Each run reports the moments it started and ended.
    const runner = createScriptRunner({ poolSize: { python: 2 }, memoryBudgetMb: 200 });
    try {
      const code =
        "import time\ndef main(input):\n    start = time.time()\n    time.sleep(0.3)\n    return [start, time.time()]\n";
      const runs = await Promise.all(
        [1, 2].map(() => runner.run({ language: "python", code, input: null, limits: { memoryMb: 128 } })),
      );
      const [a, b] = runs.map((run) => run.output as [number, number]).sort((x, y) => x[0] - y[0]);
      assert.ok(b![0] >= a![1], `the runs overlapped: ${JSON.stringify([a, b])}`);
      await assert.rejects(
        runner.run({ language: "python", code, input: null, limits: { memoryMb: 256 } }),
        /limits\.memoryMb \(256\) is more than the memory all scripts may use together \(200 MB/,
      );
    } finally {
      await runner.close();
    }
  });
});
