import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readJsonArg } from "../cli/input.ts";
import { defaultRegistry } from "../connectors/registry.ts";
import { ValidationError } from "../connectors/sdk/index.ts";
import { nestedDeeperThan } from "../core/json-depth.ts";
import { loadPlaybook, PlaybookError } from "./load.ts";

const catalog = defaultRegistry();

/** Loads `text` as the playbook `/virtual/<name>.yaml`. */
function load(text: string, name = "p") {
  return loadPlaybook(`/virtual/${name}.yaml`, { catalog, read: async () => text });
}

async function issues(text: string): Promise<string[]> {
  try {
    await load(text);
  } catch (error) {
    assert.ok(error instanceof PlaybookError, `expected a PlaybookError, got ${error}`);
    return error.issues.map((i) => `${i.line}:${i.column}: ${i.message}`);
  }
  assert.fail("the playbook loaded");
}

function chain(steps: number): string {
  const lines = ["name: chain", "start: s0", "steps:"];
  for (let i = 0; i < steps; i++)
    lines.push(`  s${i}:`, "    type: transform", `    output: ${i}`, `    on_success: s${i + 1}`);
  lines.push(`  s${steps}:`, "    type: end", "    status: success");
  return lines.join("\n");
}

describe("hostile or careless input is refused with a message naming where, never a crash", () => {
  test("a playbook of 6,000 chained steps loads (the cycle check does not recurse per step)", async () => {
    const loaded = await load(chain(6000));
    assert.equal(Object.keys(loaded.definition.steps).length, 6001);
  });

  test("a cycle among thousands of steps is still found and named", async () => {
    const text = chain(3000).replace(
      "  s3000:\n    type: end\n    status: success",
      "  s3000:\n    type: transform\n    output: 0\n    on_success: s1500",
    );
    const found = await issues(text);
    assert.ok(
      found.some((m) => /steps form a cycle \(s1500 → .* → s1500\)/.test(m)),
      found.join("\n"),
    );
  });

  test("a billion-laughs YAML is refused as a file issue, before its aliases are expanded", async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    let previous = "a";
    for (const name of "bcdefgh") {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(",")}]`);
      previous = name;
    }
    lines.push("name: lol", "start: x", "steps:", "  x: {type: end, status: success}");
    const found = await issues(lines.join("\n"));
    assert.deepEqual(found, ["1:1: YAML: Excessive alias count indicates a resource exhaustion attack"]);
  });

  test("a wait, an approval timeout or a backoff beyond its bound is refused at load with the step's field", async () => {
    const found = await issues(`name: long
start: nap
steps:
  nap:
    type: wait
    duration: 99999999999d
    on_success: ask
  ask:
    type: approval
    timeout: 400d
    on_success: call
  call:
    type: transform
    output: 1
    retry:
      max_attempts: 3
      backoff: { initial: 2d, max: 3d }
`);
    assert.deepEqual(found, [
      '6:15: step "nap": duration is longer than 366d',
      '10:14: step "ask": timeout is longer than 366d',
      '17:27: step "call": retry.backoff.initial is longer than 1d',
      '17:36: step "call": retry.backoff.max is longer than 1d',
    ]);
  });

  test("JSON nested 2,000 deep is refused naming the flag; 64 deep is accepted", () => {
    const nest = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    assert.equal(nestedDeeperThan(JSON.parse(nest(64))), false);
    assert.equal(nestedDeeperThan(JSON.parse(nest(65))), true);
    assert.throws(
      () => readJsonArg(nest(2000), "--input"),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.field === "--input" &&
        /more than 64 deep/.test(error.message),
    );
    assert.deepEqual(readJsonArg(nest(3), "--input"), { a: { a: { a: 1 } } });
  });
});
