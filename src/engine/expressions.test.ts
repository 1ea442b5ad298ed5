import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import jsonata from "jsonata";
import { ExpressionError, Expressions, type Scope } from "./expressions.ts";

const scope = {
  inputs: { ip: "10.0.0.7", tags: ["a", "b", "a"], n: 3, line: `${"a".repeat(40)}!` },
  steps: {
    fetch: {
      output: {
        items: [
          { id: 1, sev: 4 },
          { id: 2, sev: 1 },
        ],
        raw: '{"id":"x1","events":[1,2]}',
      },
    },
  },
  alert: { severity_id: 4, raw_data: '{"id":"inc-1","hash_id":"h"}' },
} as unknown as Scope;

async function failure(promise: Promise<unknown>): Promise<ExpressionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ExpressionError, `expected an ExpressionError, got ${error}`);
    return error;
  }
  assert.fail("the evaluation succeeded");
}

describe("expressions are bounded", { timeout: 60_000 }, () => {
  const expressions = new Expressions();
  const small = new Expressions({
    limits: { maxStringLength: 1_000, maxResultBytes: 2_000, sequence: 500, timeoutMs: 300 },
  });
  const tight = new Expressions({ limits: { memoryMb: 32, timeoutMs: 30, graceMs: 100 } });
  const quick = new Expressions({ limits: { memoryMb: 255, timeoutMs: 30, graceMs: 100 } });
  after(() => {
    expressions.close();
    small.close();
    tight.close();
    quick.close();
  });

  test("what a plain JSONata evaluation gives, the bounded one gives too (only the part read is sent)", async () => {
    const corpus = [
      "inputs.ip",
      "inputs.ip & '/' & $string(inputs.n)",
      "steps.fetch.output.items[sev >= 4].id",
      "$count(steps.fetch.output.items)",
      "$keys($)",
      "$$.inputs.tags",
      "$.inputs.n * 2",
      "$distinct(inputs.tags)",
      "$sort(steps.fetch.output.items, function($a, $b) { $a.sev > $b.sev }).id",
      "$map(inputs.tags, function($t) { $uppercase($t) })",
      "steps.fetch.output.items{ $string(id): sev }",
      "$string($)",
      "$each(inputs, function($v, $k) { $k })",
      "alert.severity_id >= 4 ? 'high' : 'low'",
      "$split('a,b,,c', ',')",
      "$join(inputs.tags, '-')",
      "$pad('7', 3, '0')",
      "$replace('a-b-c', '-', '+')",
      "$replace('a1b22', /[0-9]+/, '#')",
      "$match('a1b22', /([a-z])([0-9]+)/).groups",
      "$contains(inputs.ip, /^10\\./)",
      "$split('a1b2c', /[0-9]/)",
      "($x := inputs.n; $x + 1)",
      "[1..5][$ > 2]",
      "inputs.nothing",
    ];
    for (const text of corpus) {
      const plain = await jsonata(text).evaluate(structuredClone(scope));
      const expected = plain === undefined ? null : JSON.parse(JSON.stringify(plain));
      assert.deepEqual(await expressions.evaluate(text, scope), expected, text);
    }
  });

  test("a regex that backtracks exponentially in V8 (/(a+)+$/ on a line of a's) answers at once", async () => {
    assert.equal(await expressions.evaluate("$match(inputs.line, /(a+)+$/)", scope), null);
    assert.equal(await expressions.evaluate("$contains(inputs.line, /^(a|aa)+$/)", scope), false);
  });

  test("a regex only a backtracking engine can run is refused when it is compiled", () => {
    assert.throws(
      () => expressions.compile("$match(inputs.line, /(a)\\1/)"),
      (e: ExpressionError) => e instanceof ExpressionError && /cannot run in linear time/.test(e.message),
    );
  });

  test("builtins refuse to make strings or lists past the limits before making them", async () => {
    for (const [text, code] of [
      ["$pad('x', 100000000)", "R1001"],
      ["$join($map([1..200], function($i) { 'abcdef' }))", "R1001"],
      ["$replace($pad('', 900, 'a'), 'a', 'bbb')", "R1001"],
      ["$split($pad('', 900, ','), ',')", "R1002"],
      ["[$pad('', 900, 'x'), $pad('', 900, 'y'), $pad('', 900, 'z')]", "R1005"],
      ["$parseJson('{nope')", "R1004"],
    ] as const) {
      const error = await failure(small.evaluate(text, scope));
      assert.equal(error.code, code, `${text}: ${error.message}`);
    }
  });

  test("recursion, endless loops and $eval chains stop at the depth or the time limit", async () => {
    const deep = await failure(expressions.evaluate("($f := function() { $f() and $f() }; $f())", scope));
    assert.equal(deep.code, "D1011");
    const endless = await failure(small.evaluate("($f := function($n) { $f($n + 1) }; $f(0))", scope));
    assert.equal(endless.code, "D1012");
    // Each $eval evaluates its own text again: the inner evaluations share the caller's budget.
    const evalChain = await failure(
      expressions.evaluate("$eval(x, $)", { x: "$eval(x, $)" } as unknown as Scope),
    );
    assert.equal(evalChain.code, "D1011", evalChain.message);
    const evalLoop = await failure(
      small.evaluate("$eval('($f := function($n) { $f($n + 1) }; $f(0))')", scope),
    );
    assert.equal(evalLoop.code, "D1012");
  });

  test("an evaluation that outgrows its heap is stopped, and the next one runs", async () => {
    const error = await failure(
      tight.evaluate("$map([1..900000], function($i) { { 'k': $string($i) & 'padding-padding' } })", scope),
    );
    assert.ok(error.code === "R1006" || error.code === "R1008" || error.code === "D1012", error.message);
    assert.equal(await tight.evaluate("inputs.n + 1", scope), 4);
    assert.deepEqual(await tight.evaluate("$map([1, 2], function($i) { $i * 2 })", scope), [2, 4]);
  });

  test("a builtin that runs long inside one call is stopped at its deadline", async () => {
    // One regex call over millions of characters: no JSONata time check runs inside it, so either the
    // check after it (D1012) or the forced stop of the thread (R1008) ends the evaluation.
    const error = await failure(quick.evaluate("$match($pad('', 5000000, 'a'), /(a|b)*c/)", scope));
    assert.ok(error.code === "D1012" || error.code === "R1008", error.message);
    assert.equal(await quick.evaluate("$uppercase('ok')", scope), "OK");
  });

  test("an error names the step and the field of the failing expression", async () => {
    const error = await failure(
      small.map({ title: "=inputs.ip", tags: ["=inputs.ip", "=$pad('', 5000, 'x') & ''"] }, scope, {
        step: "enrich",
        field: "input",
      }),
    );
    assert.match(error.message, /^step "enrich", input\.tags\[1\]: expression "\$pad/);
    const compile = await failure(expressions.map({ x: "=inputs.(" }, scope, { step: "s", field: "input" }));
    assert.match(compile.message, /^step "s", input\.x: /);
  });

  test("$parseJson reads a vendor's raw record without evaluating it", async () => {
    assert.equal(await expressions.evaluate("$parseJson(alert.raw_data).id", scope), "inc-1");
    assert.deepEqual(await expressions.evaluate("$parseJson(steps.fetch.output.raw).events", scope), [1, 2]);
  });

  test("a plain path (looked up without the evaluator) gives what JSONata gives, through lists too", async () => {
    const data = {
      inputs: { one: [7], nested: [[1, 2], [3]], empty: [], none: null, deep: { list: [{ x: 1 }] } },
      steps: {
        fetch: { output: { items: [{ id: 1 }, { id: 2 }], single: [{ id: 3 }] }, state: "succeeded" },
      },
      alert: { severity_id: 4 },
    } as unknown as Scope;
    const corpus = [
      "inputs",
      "inputs.one",
      "inputs.nested",
      "inputs.empty",
      "inputs.none",
      "inputs.none.x",
      "inputs.deep.list",
      "inputs.deep.list.x",
      "inputs.one.x",
      "inputs.missing.x",
      "steps.fetch.output.items.id",
      "steps.fetch.output.single.id",
      "steps.fetch.state.length",
      "`alert`.severity_id",
    ];
    for (const text of corpus) {
      const plain = await jsonata(text).evaluate(structuredClone(data));
      const expected = plain === undefined ? null : JSON.parse(JSON.stringify(plain));
      assert.deepEqual(await expressions.evaluate(text, data), expected, text);
      const mapped = await expressions.map({ v: `=${text}`, list: [`=${text}`] }, data);
      assert.deepEqual(
        mapped,
        plain === undefined ? { list: [null] } : { v: expected, list: [expected] },
        text,
      );
    }
  });

  test("what a plain path finds is a copy: changing it changes nothing in the scope, and its size is capped", async () => {
    const data = structuredClone(scope);
    const found = (await expressions.map({ items: "=steps.fetch.output.items" }, data)) as {
      items: Array<{ id: number }>;
    };
    found.items[0]!.id = 99;
    found.items.push({ id: 3 });
    assert.deepEqual(data, scope);
    const big = { ...scope, inputs: { line: "x".repeat(3_000) } } as Scope;
    const error = await failure(small.map({ a: "=inputs.line" }, big, { step: "s" }));
    assert.equal(error.code, "R1005");
    assert.match(error.message, /the limit is 2000/);
    assert.equal((await failure(small.evaluate("inputs.line", big))).code, "R1005");
  });

  test("a mapping keeps its conventions: literals, == escapes, fields with no match left out", async () => {
    assert.deepEqual(
      await expressions.map(
        { a: "=inputs.ip", b: "==x", c: ["=inputs.none"], d: "=inputs.none", e: 1 },
        scope,
      ),
      { a: "10.0.0.7", b: "=x", c: [null], e: 1 },
    );
  });
});
