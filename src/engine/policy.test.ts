import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { defaultRegistry } from "../connectors/registry.ts";
import { backoffMs } from "./attempt.ts";
import { loadPlaybook, PlaybookError } from "./load.ts";
import { STEP_TYPES } from "./playbook-schema.ts";
import { STEP_KINDS } from "./steps/index.ts";

describe("step policies compiled at load", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-policy-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const load = (steps: string) => {
    const path = join(root, `p${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, `name: p\nstart: a\nsteps:\n${steps}`);
    return loadPlaybook(path, { catalog: defaultRegistry() });
  };

  test("durations, retries and timeouts become milliseconds once, by step id (foreach bodies too)", async () => {
    const playbook = await load(`
  a:
    type: wait
    duration: 2m
    on_success: b
  b:
    type: transform
    output: 1
    timeout: 1.5s
    retry: { max_attempts: 3, backoff: { initial: 200ms, max: 1s } }
    on_success: c
  c:
    type: approval
    timeout: 1h
    on_success: d
  d:
    type: foreach
    items: "[1]"
    start: inner
    steps:
      inner: { type: transform, output: 2, retry: { max_attempts: 2 } }
`);
    assert.deepEqual(playbook.policies.get("a"), {
      maxAttempts: 1,
      backoff: { initialMs: 1000, maxMs: 30_000 },
      durationMs: 120_000,
    });
    assert.deepEqual(playbook.policies.get("b"), {
      maxAttempts: 3,
      backoff: { initialMs: 200, maxMs: 1000 },
      timeoutMs: 1500,
    });
    assert.deepEqual(playbook.policies.get("c"), {
      maxAttempts: 1,
      backoff: { initialMs: 1000, maxMs: 30_000 },
      durationMs: 3_600_000,
    });
    assert.equal(playbook.policies.get("inner")?.maxAttempts, 2);
  });

  test("a bound given alone moves the other default; max below initial is an issue at its line", async () => {
    const alone = await load(`
  a: { type: transform, output: 1, retry: { max_attempts: 2, backoff: { initial: 1m } }, on_success: b }
  b: { type: transform, output: 1, retry: { max_attempts: 2, backoff: { max: 200ms } } }
`);
    assert.deepEqual(alone.policies.get("a")?.backoff, { initialMs: 60_000, maxMs: 60_000 });
    assert.deepEqual(alone.policies.get("b")?.backoff, { initialMs: 200, maxMs: 200 });
    await assert.rejects(
      load(`
  a: { type: transform, output: 1, retry: { max_attempts: 2, backoff: { initial: 5s, max: 1s } } }
`),
      (error: unknown) => {
        assert.ok(error instanceof PlaybookError);
        assert.equal(error.issues.length, 1);
        assert.match(
          error.issues[0]!.message,
          /retry\.backoff\.max \(1s\) is shorter than retry\.backoff\.initial \(5s\)/,
        );
        assert.equal(error.issues[0]!.line, 5);
        return true;
      },
    );
  });

  test("backoff doubles per failure up to its maximum; a longer Retry-After wins", () => {
    const policy = { maxAttempts: 5, backoff: { initialMs: 100, maxMs: 350 } };
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffMs(policy, n)),
      [100, 200, 350, 350],
    );
    assert.equal(backoffMs(policy, 1, 300), 300);
    assert.equal(backoffMs(policy, 1, 10_000), 350);
  });

  test("every step type of the playbook schema has its kind", () => {
    assert.deepEqual(Object.keys(STEP_KINDS).sort(), [...STEP_TYPES].sort());
  });
});
