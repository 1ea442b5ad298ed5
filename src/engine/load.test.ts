import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { defaultRegistry } from "../connectors/registry.ts";
import { loadPlaybook, PlaybookError, type PlaybookIssue } from "./load.ts";

describe("loading a playbook", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-load-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const path = join(root, name);
    writeFileSync(path, text.replace(/^\n/, ""));
    return path;
  };
  /** The issues of a playbook that must not load, as `line: message`. */
  const issues = async (text: string, name = "bad.yaml"): Promise<PlaybookIssue[]> => {
    const path = write(name, text);
    try {
      await loadPlaybook(path, { catalog: defaultRegistry() });
    } catch (error) {
      assert.ok(error instanceof PlaybookError, String(error));
      for (const issue of error.issues) assert.ok(issue.file.endsWith(name), issue.file);
      return error.issues;
    }
    assert.fail("the playbook loaded");
  };
  const lines = (list: PlaybookIssue[]) => list.map((i) => `${i.line}: ${i.message}`);

  const good = `
name: good
connections:
  canary: { connector: thinkst-canary }
start: fetch
steps:
  fetch:
    type: call
    connection: canary
    operation: fetchIncident
    input: { incident: "=inputs.id" }
    on_success: done
  done:
    type: end
    status: success
`;

  test("a valid playbook loads with its sources and a content hash", async () => {
    const path = write("good.yaml", good);
    const loaded = await loadPlaybook(path, { catalog: defaultRegistry() });
    assert.equal(loaded.definition.name, "good");
    assert.deepEqual(Object.keys(loaded.sources), [path]);
    assert.match(loaded.hash, /^[0-9a-f]{64}$/);
  });

  test("YAML syntax errors carry their line", async () => {
    const found = await issues("name: x\nsteps:\n  a: [unclosed\n");
    assert.equal(found.length >= 1, true);
    assert.match(found[0]!.message, /^YAML syntax/);
    assert.ok(found[0]!.line >= 3);
  });

  test("unknown keys are errors at the key's line", async () => {
    const found = await issues(`
name: x
colour: blue
start: a
steps:
  a:
    type: transform
    output: 1
    retries: 3
`);
    assert.deepEqual(lines(found), [
      '2: the playbook has an unknown key "colour"',
      '8: steps.a has an unknown key "retries"',
    ]);
  });

  test("wrong types, values and step types name the field and its line", async () => {
    const found = await issues(`
name: x
start: a
steps:
  a:
    type: wait
    duration: soon
    on_success: b
  b:
    type: teleport
`);
    assert.deepEqual(lines(found), [
      "6: steps.a.duration must be a duration: 500ms, 30s, 5m, 2h, 1d",
      '9: steps.b.type "teleport" is not a step type (one of call, condition, script, transform, foreach, playbook, wait, approval, end)',
    ]);
  });

  test("edges to missing steps are errors at the edge", async () => {
    const found = await issues(`
name: x
start: a
steps:
  a:
    type: condition
    branches:
      - when: "inputs.n > 1"
        next: big
    otherwise: small
  small:
    type: end
    status: success
`);
    assert.deepEqual(lines(found), ['8: step "a" goes to "big", which is not a step (steps: a, small)']);
  });

  test("a missing start step is an error", async () => {
    const found = await issues(`
name: x
start: nowhere
steps:
  a: { type: end, status: success }
`);
    assert.deepEqual(lines(found)[0], '2: start step "nowhere" does not exist');
  });

  test("unreachable steps are errors at their id", async () => {
    const found = await issues(`
name: x
start: a
steps:
  a: { type: transform, output: 1 }
  orphan: { type: transform, output: 2 }
`);
    assert.deepEqual(lines(found), ['5: step "orphan" can never run: no edge from "a" leads to it']);
  });

  test("cycles are errors; loops are what foreach is for", async () => {
    const found = await issues(`
name: x
start: a
steps:
  a: { type: transform, output: 1, on_success: b }
  b: { type: transform, output: 2, on_success: a }
`);
    assert.deepEqual(lines(found), [
      "4: steps form a cycle (a → b → a); repeat work with a foreach step instead",
    ]);
  });

  test("unknown connectors, undeclared aliases and unknown operations are errors", async () => {
    const found = await issues(`
name: x
connections:
  edr: { connector: crowdstrike }
  canary: { connector: thinkst-canary }
start: a
steps:
  a:
    type: call
    connection: canary
    operation: fetchEverything
    on_success: b
  b:
    type: call
    connection: siem
    operation: search
`);
    assert.deepEqual(lines(found), [
      '3: connection "edr": unknown connector "crowdstrike"',
      '10: step "a": connector thinkst-canary has no operation "fetchEverything"',
      '14: step "b" uses connection "siem", which is not declared under connections (declared: edr, canary)',
    ]);
  });

  test("a literal call input that does not match the operation's input schema is an error at the field", async () => {
    const found = await issues(`
name: x
connections:
  canary: { connector: thinkst-canary }
start: a
steps:
  a:
    type: call
    connection: canary
    operation: fetchIncident
    input:
      incident: abc
      colour: red
`);
    assert.deepEqual(lines(found), [
      '12: step "a": thinkst-canary.fetchIncident input.colour is not an allowed field',
    ]);
  });

  test("inputs with expressions are left to run time, but the expressions must parse", async () => {
    const found = await issues(`
name: x
connections:
  canary: { connector: thinkst-canary }
start: a
steps:
  a:
    type: call
    connection: canary
    operation: fetchIncident
    input: { incident: "=inputs.id", colour: "=inputs.(" }
`);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.line, 10);
    assert.match(found[0]!.message, /expression "inputs\.\(" does not parse/);
  });

  test("foreach bodies are checked like the playbook: their own start, edges and reachability", async () => {
    const found = await issues(`
name: x
start: each
steps:
  each:
    type: foreach
    items: "[1, 2]"
    start: one
    steps:
      one: { type: transform, output: "=item", on_success: three }
      two: { type: transform, output: 2 }
`);
    assert.deepEqual(lines(found), [
      '9: step "one" goes to "three", which is not a step inside foreach "each" (steps: one, two)',
      '10: step "two" can never run: no edge from "one" leads to it',
    ]);
  });

  test("a nested playbook's own errors are reported with its file; call cycles between files are errors", async () => {
    write(
      "child-bad.yaml",
      `
name: child
start: a
steps:
  a: { type: transform, output: 1, on_success: missing }
`,
    );
    const found = await issues(`
name: parent
start: sub
steps:
  sub: { type: playbook, path: ./child-bad.yaml }
`);
    assert.equal(found.length, 1);
    assert.ok(found[0]!.file.endsWith("child-bad.yaml"));
    assert.equal(found[0]!.line, 4);

    write("loop-a.yaml", "name: loop-a\nstart: s\nsteps:\n  s: { type: playbook, path: ./loop-b.yaml }\n");
    write("loop-b.yaml", "name: loop-b\nstart: s\nsteps:\n  s: { type: playbook, path: ./loop-a.yaml }\n");
    await assert.rejects(loadPlaybook(join(root, "loop-a.yaml"), { catalog: defaultRegistry() }), /a cycle/);
  });

  test("a nested playbook's connections must be provided by the caller", async () => {
    write(
      "needs-canary.yaml",
      `
name: needs-canary
connections:
  console: { connector: thinkst-canary }
start: a
steps:
  a: { type: call, connection: console, operation: ping }
`,
    );
    const found = await issues(`
name: parent
start: sub
steps:
  sub: { type: playbook, path: ./needs-canary.yaml }
`);
    assert.match(found[0]!.message, /needs connection "console" \(thinkst-canary\)/);
  });

  test("every problem is reported at once, in one error", async () => {
    const found = await issues(`
name: Not_Lower
start: a
steps:
  a: { type: transform, output: 1, on_success: zzz, extra: 1 }
`);
    assert.equal(found.length, 2);
  });
});
