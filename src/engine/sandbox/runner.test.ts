import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createScriptRunner, ScriptError, type ScriptLanguage } from "./index.ts";

const echo: Record<ScriptLanguage, string> = {
  python: "def main(input):\n    return input\n",
  javascript: "function main(input) { return input }",
};
const spin: Record<ScriptLanguage, string> = {
  python: "def main(input):\n    while True:\n        pass\n",
  javascript: "function main() { for (;;) {} }",
};

for (const language of ["python", "javascript"] as const) {
  describe(`${language} pool`, () => {
    test("serves more concurrent runs than it has workers, each with its own input", async () => {
      const runner = createScriptRunner({ poolSize: { [language]: 2 } });
      try {
        const inputs = Array.from({ length: 12 }, (_, i) => ({ n: i }));
        const results = await Promise.all(
          inputs.map((input) => runner.run({ language, code: echo[language], input })),
        );
        assert.deepEqual(
          results.map((r) => r.output),
          inputs,
        );
      } finally {
        await runner.close();
      }
    });

    test("an AbortSignal cancels a running script, and the pool keeps serving", async () => {
      const runner = createScriptRunner({ poolSize: { [language]: 1 }, defaults: { timeoutMs: 60_000 } });
      try {
        // Warm the worker and let it report ready, so the spinning run goes straight to it and the
        // abort meets a running script (were it still queued, it would be rejected all the same).
        await runner.run({ language, code: echo[language], input: "warm" });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const controller = new AbortController();
        const running = runner.run({ language, code: spin[language], input: null }, controller.signal);
        const queued = runner.run({ language, code: echo[language], input: "after" });
        setTimeout(() => controller.abort(new Error("operator cancelled")), 50);
        await assert.rejects(running, /operator cancelled/);
        assert.equal((await queued).output, "after");
      } finally {
        await runner.close();
      }
    });

    test("an aborted signal fails a queued run without running it", async () => {
      const runner = createScriptRunner({ poolSize: { [language]: 1 }, defaults: { timeoutMs: 60_000 } });
      try {
        const blocker = new AbortController();
        const first = runner.run({ language, code: spin[language], input: null }, blocker.signal);
        const controller = new AbortController();
        const second = runner.run({ language, code: echo[language], input: 1 }, controller.signal);
        controller.abort(new Error("not needed"));
        await assert.rejects(second, /not needed/);
        blocker.abort(new Error("done"));
        await assert.rejects(first, /done/);
      } finally {
        await runner.close();
      }
    });

    test("close() stops the workers and later runs are refused", async () => {
      const runner = createScriptRunner({ poolSize: { [language]: 1 } });
      await runner.run({ language, code: echo[language], input: 1 });
      const pending = runner.run({
        language,
        code: spin[language],
        input: null,
        limits: { timeoutMs: 60_000 },
      });
      await runner.close();
      // Queued runs fail with "closed", a run already on a worker with "script worker stopped".
      await assert.rejects(pending, /script runner is closed|script worker stopped/);
      await assert.rejects(runner.run({ language, code: echo[language], input: 1 }), /closed/);
    });
  });
}

describe("script runner", () => {
  test("refuses limits outside their range", async () => {
    const runner = createScriptRunner();
    try {
      await assert.rejects(
        runner.run({ language: "python", code: "", input: null, limits: { timeoutMs: 0 } }),
        RangeError,
      );
      await assert.rejects(
        runner.run({ language: "javascript", code: "", input: null, limits: { memoryMb: 1.5 } }),
        RangeError,
      );
      assert.throws(() => createScriptRunner({ defaults: { maxOutputBytes: -1 } }), RangeError);
    } finally {
      await runner.close();
    }
  });

  test("a ScriptError survives a trip through JSON", async () => {
    const runner = createScriptRunner({ poolSize: { python: 1 } });
    try {
      const error = await runner
        .run({
          language: "python",
          code: "def main(input):\n    print('before')\n    raise ValueError('bad')\n",
          input: null,
        })
        .catch((e: unknown) => e);
      assert.ok(error instanceof ScriptError);
      const data = JSON.parse(JSON.stringify(error));
      assert.deepEqual(
        {
          type: data.type,
          kind: data.kind,
          retryable: data.retryable,
          errorType: data.errorType,
          line: data.line,
        },
        { type: "ScriptError", kind: "exception", retryable: false, errorType: "ValueError", line: 3 },
      );
      assert.deepEqual(data.logs, ["before"]);
      const back = ScriptError.fromJSON(data);
      assert.equal(back.message, "ValueError: bad");
      assert.equal(back.language, "python");
    } finally {
      await runner.close();
    }
  });
});
