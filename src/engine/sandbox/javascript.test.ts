import assert from "node:assert/strict";
import { type AddressInfo, createServer } from "node:net";
import { after, describe, test } from "node:test";
import { createScriptRunner, ScriptError, type ScriptErrorKind } from "./index.ts";

const runner = createScriptRunner({ poolSize: { javascript: 2 }, defaults: { timeoutMs: 10_000 } });
after(() => runner.close());

async function js(code: string, input: unknown = null, limits = {}) {
  return runner.run({ language: "javascript", code, input, limits });
}

async function refused(
  code: string,
  kind: ScriptErrorKind,
  limits = {},
  input: unknown = null,
): Promise<ScriptError> {
  const error = await js(code, input, limits).then(
    (result) => assert.fail(`expected a ${kind} error, got ${JSON.stringify(result.output)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ScriptError, String(error));
  assert.equal(error.kind, kind, `${error.kind}: ${error.message}`);
  assert.equal(error.language, "javascript");
  return error;
}

describe("javascript script contract", () => {
  test("main(input) returns the output; console.log goes to logs", async () => {
    const result = await js(
      "function main(input) {\n  console.log('alerts:', input.alerts.length, { first: input.alerts[0].ip });\n  return { ips: input.alerts.map((a) => a.ip) };\n}",
      { alerts: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }] },
    );
    assert.deepEqual(result.output, { ips: ["10.0.0.1", "10.0.0.2"] });
    assert.deepEqual(result.logs, ['alerts: 2 {"first":"10.0.0.1"}']);
  });

  test("main may be async", async () => {
    const result = await js(
      "async function main(input) {\n  const x = await Promise.resolve(input * 2);\n  return { x };\n}",
      21,
    );
    assert.deepEqual(result.output, { x: 42 });
  });

  test("returning nothing is a null output", async () => {
    assert.equal((await js("function main() {}")).output, null);
  });

  test("an exception becomes a ScriptError with the script's message and line", async () => {
    const error = await refused(
      "function main(input) {\n  const alert = input.alert;\n  return alert.ip;\n}",
      "exception",
      {},
      {},
    );
    assert.equal(error.errorType, "TypeError");
    assert.equal(error.line, 3);
    assert.match(error.traceback ?? "", /script\.js:3/);
  });

  test("a rejected promise and a syntax error are exceptions", async () => {
    const rejected = await refused(
      "async function main() {\n  throw new RangeError('bad alert');\n}",
      "exception",
    );
    assert.equal(rejected.message, "RangeError: bad alert");
    const syntax = await refused("function main( {", "exception");
    assert.equal(syntax.errorType, "SyntaxError");
  });

  test("an output that is not JSON is refused", async () => {
    await refused("function main() { return () => 1 }", "invalid-output");
    await refused("function main() { return 10n }", "invalid-output");
    await refused("const main = 1;", "invalid-output");
  });

  test("runs do not see each other's globals", async () => {
    await js("globalThis.leaked = 'secret'; function main() { return 1 }");
    assert.equal((await js("function main() { return typeof leaked }")).output, "undefined");
  });
});

describe("javascript sandbox", () => {
  test("there is no process, require, fetch, fs or dynamic import", async () => {
    await refused("function main() { return process.env }", "forbidden");
    await refused(
      "function main() { return require('fs').readFileSync('/etc/passwd', 'utf8') }",
      "forbidden",
    );
    await refused(
      "async function main() { return (await import('fs')).readFileSync('/etc/passwd', 'utf8') }",
      "forbidden",
    );
    await refused("async function main() { return await fetch('http://127.0.0.1/') }", "forbidden");
    const globals = await js("function main() { return Object.getOwnPropertyNames(globalThis) }");
    for (const name of ["process", "require", "fetch", "Buffer", "WebAssembly", "setTimeout"]) {
      assert.ok(!(globals.output as string[]).includes(name), `${name} is visible`);
    }
  });

  test("no network: nothing reaches a listening 127.0.0.1 port", async () => {
    const server = createServer();
    let connections = 0;
    server.on("connection", (socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await refused(`async function main() { return await fetch('http://127.0.0.1:${port}/') }`, "forbidden");
      await refused(`function main() { return new WebSocket('ws://127.0.0.1:${port}/') }`, "forbidden");
      assert.equal(connections, 0);
    } finally {
      server.close();
    }
  });

  test("an infinite loop is interrupted at the timeout, and the pool keeps serving", async () => {
    const error = await refused("function main() { for (;;) {} }", "timeout", { timeoutMs: 300 });
    assert.match(error.message, /timed out after 300 ms/);
    assert.equal((await js("function main() { return 'still here' }")).output, "still here");
  });

  test("passing the memory limit is a memory error", async () => {
    await refused("function main() { return 'x'.repeat(200 * 1024 * 1024).length }", "memory", {
      memoryMb: 32,
    });
    await refused("function main() { return new ArrayBuffer(64 * 1024 * 1024).byteLength }", "memory", {
      memoryMb: 32,
    });
  });

  test("printing 10 MB or returning too much passes the output limit", async () => {
    await refused("function main() { console.log('x'.repeat(10_000_000)) }", "output-too-large", {
      maxOutputBytes: 1_000_000,
      memoryMb: 64,
    });
    await refused("function main() { for (;;) console.log('x'.repeat(1000)) }", "output-too-large", {
      maxOutputBytes: 1_000_000,
    });
    await refused("function main() { return 'x'.repeat(2_000_000) }", "output-too-large", {
      maxOutputBytes: 1_000_000,
    });
  });
});
