import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { defaultRegistry } from "../../connectors/registry.ts";
import { isRampartError } from "../../connectors/sdk/index.ts";
import { StepFailure } from "../errors.ts";
import type { OperationCall } from "../operation-caller.ts";
import { createScriptRunner } from "../sandbox/index.ts";
import { runCase } from "./harness.ts";
import { projectOnto, subsetMatches } from "./match.ts";
import { StubCaller } from "./stub-caller.ts";
import { loadTestFile, TestFileError } from "./test-file.ts";

const catalog = defaultRegistry();
const scripts = createScriptRunner({ poolSize: { python: 1, javascript: 1 } });
after(() => scripts.close());

const EMPTY = { "@odata.context": "ctx", value: [] };

function request(overrides: Partial<OperationCall> = {}): OperationCall {
  return {
    runId: "r",
    stepKey: "get",
    connection: "defender",
    connector: "ms-defender",
    operation: "listAlerts",
    input: {},
    idempotencyKey: "k",
    throwOnHttpError: true,
    signal: new AbortController().signal,
    ...overrides,
  };
}

function caller(stubs: ConstructorParameters<typeof StubCaller>[0]["stubs"]): StubCaller {
  return new StubCaller({ catalog, aliases: { defender: "ms-defender" }, stubs });
}

describe("StubCaller", () => {
  test("non-2xx replies fail with the SDK's typed error for their status", async () => {
    const cases: Array<[number, string, boolean]> = [
      [400, "ValidationError", false],
      [401, "AuthError", false],
      [403, "AuthError", false],
      [404, "NotFoundError", false],
      [422, "ValidationError", false],
      [429, "RateLimitedError", true],
      [500, "UpstreamError", false],
      [503, "UpstreamError", true],
    ];
    for (const [status, type, retryable] of cases) {
      const stub = caller({
        "defender.listAlerts": {
          status,
          output: { error: { code: "X", message: `said ${status}` } },
          headers: { "Retry-After": "7" },
        },
      });
      await assert.rejects(
        stub.call(request()),
        (error: unknown) => {
          assert.ok(isRampartError(error));
          assert.equal(error.type, type, `HTTP ${status}`);
          assert.equal(error.retryable, retryable, `HTTP ${status}`);
          assert.equal(error.status, status);
          assert.equal(error.message, `ms-defender.listAlerts: HTTP ${status}: X: said ${status}`);
          if (status === 429) assert.equal(error.retryAfterMs, 7000);
          return true;
        },
        `HTTP ${status}`,
      );
    }
  });

  test("with fail_on_http_error: false a non-2xx reply is returned with its status and body", async () => {
    const body = { error: { code: "Forbidden", message: "no role" } };
    const stub = caller({ "defender.listAlerts": { status: 403, output: body } });
    const result = await stub.call(request({ throwOnHttpError: false }));
    assert.deepEqual(result, {
      output: body,
      status: 403,
      ok: false,
      attempts: 1,
      durationMs: 0,
      warnings: [],
    });
  });

  test("a list answers successive calls in turn and its last reply repeats", async () => {
    const stub = caller({
      "defender.listAlerts": [
        { status: 503, output: { error: { message: "busy" } } },
        { output: { ...EMPTY, "@odata.context": "second" } },
        { output: { ...EMPTY, "@odata.context": "third" } },
      ],
    });
    await assert.rejects(stub.call(request()), { type: "UpstreamError" });
    const contexts = [];
    for (let i = 0; i < 3; i++) {
      contexts.push(((await stub.call(request())).output as Record<string, unknown>)["@odata.context"]);
    }
    assert.deepEqual(contexts, ["second", "third", "third"]);
  });

  test("a typed error stub fails the call with that error", async () => {
    const stub = caller({ "defender.listAlerts": { error: { type: "TimeoutError", message: "no answer" } } });
    await assert.rejects(stub.call(request()), (error: unknown) => {
      assert.ok(isRampartError(error));
      assert.deepEqual(error.toJSON(), { type: "TimeoutError", message: "no answer", retryable: true });
      return true;
    });
  });

  test("an operation with no stub fails with a message naming it, and is remembered", async () => {
    const stub = caller({});
    await assert.rejects(stub.call(request()), (error: unknown) => {
      assert.ok(error instanceof StepFailure);
      assert.equal(error.data.type, "MissingStub");
      assert.match(error.message, /^defender\.listAlerts was called but the case has no stub/);
      return true;
    });
    assert.deepEqual(stub.missing, ["defender.listAlerts"]);
  });

  test("input and 2xx output are checked against the operation as the client checks them", async () => {
    const stub = caller({ "defender.listAlerts": { output: { value: "not a list" } } });
    await assert.rejects(stub.call(request({ input: { top: 0 } })), { type: "ValidationError" });
    await assert.rejects(stub.call(request()), (error: unknown) => {
      assert.ok(isRampartError(error));
      assert.equal(error.type, "UpstreamError");
      assert.match(error.message, /reply does not match the expected shape/);
      return true;
    });
  });
});

describe("match", () => {
  test("subset matching names keys, compares lists whole", () => {
    assert.ok(subsetMatches({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } }));
    assert.ok(!subsetMatches({ a: 1 }, { a: 1, b: undefined }));
    assert.ok(subsetMatches([{ x: 1, y: 2 }], [{ x: 1 }]));
    assert.ok(!subsetMatches([{ x: 1 }, { x: 2 }], [{ x: 1 }]));
    assert.ok(!subsetMatches({ a: "1" }, { a: 1 }));
    assert.deepEqual(projectOnto({ a: 1, b: { c: 2, d: 3 }, e: 4 }, { b: { c: 9 } }), { b: { c: 2 } });
  });
});

/** A temp dir with a playbook of three calls of the same operation, and `tests` as its test file. */
function fixture(tests: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rampart-harness-"));
  writeFileSync(
    join(dir, "three-calls.yaml"),
    `name: three-calls
connections:
  defender: { connector: ms-defender }
outputs:
  contexts: "=[steps.first.output.\`@odata.context\`, steps.second.output.\`@odata.context\`, steps.third.output.\`@odata.context\`]"
start: first
steps:
  first:
    type: call
    connection: defender
    operation: listAlerts
    retry: { max_attempts: 3, backoff: { initial: 10s } }
    on_success: second
    on_failure: gave_up
  second: { type: call, connection: defender, operation: listAlerts, on_success: third }
  third: { type: call, connection: defender, operation: listAlerts }
  gave_up: { type: end, status: failure, message: "='gave up: ' & steps.first.error.type" }
`,
  );
  const path = join(dir, "three-calls.test.yaml");
  writeFileSync(path, tests);
  return path;
}

describe("runCase", () => {
  test("stub lists drive step retries (backoff skipped) and the last reply repeats", async () => {
    const path = fixture(`cases:
  - name: retried then repeated
    stubs:
      defender.listAlerts:
        - { status: 503, output: { error: { message: busy } } }
        - { status: 429, output: { error: { message: slow down } } }
        - { output: { "@odata.context": one, value: [] } }
        - { output: { "@odata.context": two, value: [] } }
    expect:
      status: succeeded
      path: [first, second, third]
      outputs: { contexts: [one, two, two] }
      steps:
        first: { state: succeeded, status: 200, attempts: 3, requests: 1 }
`);
    const file = await loadTestFile(path, catalog);
    const result = await runCase(file, file.definition.cases[0]!, { catalog, scripts });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.mismatches, []);
    assert.equal(result.passed, true);
  });

  test("an unstubbed call fails the case even when the playbook handles the failure", async () => {
    const path = fixture(`cases:
  - name: nothing stubbed
    expect:
      status: failed
      path: [first, gave_up]
      message: "gave up: MissingStub"
`);
    const file = await loadTestFile(path, catalog);
    const result = await runCase(file, file.definition.cases[0]!, { catalog, scripts });
    assert.deepEqual(result.mismatches, []);
    assert.equal(result.passed, false);
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]!, /^defender\.listAlerts was called but has no stub/);
  });

  test("mismatches carry the expectation and the run's value cut down to it", async () => {
    const path = fixture(`cases:
  - name: wrong
    stubs:
      defender.listAlerts: { output: { "@odata.context": one, value: [] } }
    expect:
      status: failed
      message: /^never/
      steps:
        second: { status: 201 }
        gave_up: { state: succeeded }
`);
    const file = await loadTestFile(path, catalog);
    const result = await runCase(file, file.definition.cases[0]!, { catalog, scripts });
    assert.equal(result.passed, false);
    assert.deepEqual(result.mismatches, [
      { field: "status", expected: "failed", actual: "succeeded" },
      { field: "message", expected: "/^never/", actual: null },
      { field: "steps.second", expected: { status: 201 }, actual: { status: 200 } },
      { field: "steps.gave_up", expected: { state: "succeeded" }, actual: "(the step did not run)" },
    ]);
  });

  test("a test file's problems are reported together, each with its line", async () => {
    const path = fixture(`cases:
  - name: bad
    stubs:
      defender.listAlerts:
        - { status: 200, output: { value: [] } }
        - { error: { type: TimeoutError }, status: 500 }
      iris.createCase: { output: {} }
      defender.nope: { output: {} }
    faults:
      - { alias: defender, fault: { kind: status } }
    expect:
      path: [first, fourth]
      message: "/[/"
`);
    await assert.rejects(loadTestFile(path, catalog), (error: unknown) => {
      assert.ok(error instanceof TestFileError);
      const lines = error.issues.map((i) => `${i.line}: ${i.message}`);
      assert.deepEqual(lines, [
        "5: stub defender.listAlerts: ms-defender.listAlerts could not reply this: output.@odata.context is required",
        "6: stub defender.listAlerts: a reply is either an error or a status with its output, not both",
        '7: stub iris.createCase: "iris" is not a connection of the playbook (declared: defender)',
        '8: stub defender.nope: connector ms-defender has no operation "nope"',
        '10: faults: "defender" is not in this case\'s simulators',
        '12: expect.path: "fourth" is not a step of three-calls (steps: first, second, third, gave_up)',
        "13: expect.message is not a valid /regex/: Invalid regular expression: /[/: Unterminated character class",
      ]);
      return true;
    });
  });
});
