import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { type AddressInfo, createServer } from "node:net";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createScriptRunner, ScriptError, type ScriptErrorKind } from "./index.ts";

const runner = createScriptRunner({ poolSize: { python: 2 }, defaults: { timeoutMs: 10_000 } });
after(() => runner.close());

async function python(code: string, input: unknown = null, limits = {}) {
  return runner.run({ language: "python", code, input, limits });
}

async function refused(
  code: string,
  kind: ScriptErrorKind,
  limits = {},
  input: unknown = null,
): Promise<ScriptError> {
  const error = await python(code, input, limits).then(
    (result) => assert.fail(`expected a ${kind} error, got ${JSON.stringify(result.output)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ScriptError, String(error));
  assert.equal(error.kind, kind, `${error.kind}: ${error.message}`);
  assert.equal(error.language, "python");
  return error;
}

describe("python script contract", () => {
  test("main(input) returns the output; print() goes to logs", async () => {
    const result = await python(
      "def main(input):\n    print('alerts:', len(input['alerts']))\n    return {'ips': [a['ip'] for a in input['alerts']]}\n",
      { alerts: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }] },
    );
    assert.deepEqual(result.output, { ips: ["10.0.0.1", "10.0.0.2"] });
    assert.deepEqual(result.logs, ["alerts: 2"]);
    assert.ok(result.durationMs >= 0);
  });

  test("top-level code may read the global input and assign output", async () => {
    const result = await python("output = {'count': len(input)}", [1, 2, 3]);
    assert.deepEqual(result.output, { count: 3 });
  });

  test("the standard modules a script needs are importable", async () => {
    const result = await python(
      [
        "import ipaddress, json, re, hashlib, datetime, base64",
        "def main(input):",
        "    net = ipaddress.ip_network('10.0.0.0/8')",
        "    return {",
        "        'private': ipaddress.ip_address(input) in net,",
        "        'sha': hashlib.sha256(input.encode()).hexdigest()[:8],",
        "        'day': datetime.datetime.strptime('2024-05-01', '%Y-%m-%d').strftime('%A'),",
        "        'b64': base64.b64encode(b'x').decode(),",
        "        'match': bool(re.match(r'^10\\.', input)),",
        "    }",
      ].join("\n"),
      "10.1.2.3",
    );
    assert.deepEqual(result.output, {
      private: true,
      sha: createHash("sha256").update("10.1.2.3").digest("hex").slice(0, 8),
      day: "Wednesday",
      b64: "eA==",
      match: true,
    });
  });

  test("an exception becomes a ScriptError with the script's message, line and traceback", async () => {
    const error = await refused(
      "def main(input):\n    alert = input\n    return alert['missing']\n",
      "exception",
      {},
      {},
    );
    assert.equal(error.errorType, "KeyError");
    assert.equal(error.line, 3);
    assert.match(error.message, /KeyError: 'missing'/);
    assert.match(error.traceback ?? "", /line 3, in main/);
    assert.doesNotMatch(error.traceback ?? "", /python_worker/);
  });

  test("a syntax error names its line", async () => {
    const error = await refused("x = 1\ndef main(input) return 1\n", "exception");
    assert.equal(error.errorType, "SyntaxError");
    assert.equal(error.line, 2);
  });

  test("an output that is not JSON is refused", async () => {
    await refused("def main(input):\n    return {1, 2}\n", "invalid-output");
    await refused("def main(input):\n    return float('nan')\n", "invalid-output");
    await refused("x = 1\n", "invalid-output");
  });

  test("runs do not see each other's state", async () => {
    await python("import json\njson.leaked = input\ndef main(input):\n    return 1\n", "secret");
    const result = await python("import json\ndef main(input):\n    return hasattr(json, 'leaked')\n");
    assert.equal(result.output, false);
  });
});

describe("python sandbox", () => {
  test("open() does not exist and reading /etc/passwd is refused", async () => {
    await refused("def main(input):\n    return open('/etc/passwd').read()\n", "exception");
    await refused("import io\ndef main(input):\n    return io.open('/etc/passwd').read()\n", "forbidden");
    await refused(
      "import collections\ndef main(input):\n    return collections._sys.modules['io'].FileIO('/etc/passwd').read()\n",
      "forbidden",
    );
  });

  test("the environment is empty", async () => {
    const result = await python(
      "import collections\ndef main(input):\n    return dict(collections._sys.modules['os'].environ)\n",
    );
    assert.deepEqual(result.output, {});
    await refused(
      "import io\ndef main(input):\n    return io.open('/proc/self/environ', 'rb').read().decode()\n",
      "forbidden",
    );
  });

  test("dangerous modules cannot be imported", async () => {
    for (const module of ["os", "socket", "subprocess", "ctypes", "sys", "importlib", "shutil"]) {
      const error = await refused(`import ${module}\n`, "forbidden");
      assert.match(error.message, new RegExp(`'${module}' is not allowed`));
    }
    await refused("def main(input):\n    return __import__('os').system('id')\n", "forbidden");
  });

  test("os.system, subprocess and kill are refused even when os is reached another way", async () => {
    const os = "collections._sys.modules['os']";
    await refused(`import collections\ndef main(input):\n    return ${os}.system('id')\n`, "forbidden");
    await refused(
      `import collections\ndef main(input):\n    return ${os}.posix_spawn('/bin/sh', ['sh'], {})\n`,
      "forbidden",
    );
    await refused(
      `import collections\ndef main(input):\n    return ${os}.kill(${os}.getppid(), 9)\n`,
      "forbidden",
    );
    await refused(`import collections\ndef main(input):\n    return ${os}.listdir('/')\n`, "forbidden");
  });

  test("a socket connection to 127.0.0.1 is refused", async () => {
    const server = createServer();
    let connections = 0;
    server.on("connection", (socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await refused(
        `import socket\ndef main(input):\n    socket.create_connection(('127.0.0.1', ${port}))\n`,
        "forbidden",
      );
      await refused(
        `import collections\ndef main(input):\n    collections._sys.modules['_socket'].socket().connect(('127.0.0.1', ${port}))\n`,
        "exception", // _socket is never loaded in the worker: KeyError
      );
      assert.equal(connections, 0);
    } finally {
      server.close();
    }
  });

  test("ctypes cannot be used", async () => {
    await refused(
      "import collections\ndef main(input):\n    return collections._sys.modules['ctypes'].CDLL(None).getpid()\n",
      "forbidden",
    );
  });

  test("threads cannot be started", async () => {
    await refused(
      "import collections\ndef main(input):\n    collections._sys.modules['_thread'].start_new_thread(print, ())\n",
      "forbidden",
    );
  });

  test("an infinite loop is killed at the timeout, and the pool keeps serving", async () => {
    const error = await refused("def main(input):\n    while True:\n        pass\n", "timeout", {
      timeoutMs: 300,
    });
    assert.match(error.message, /timed out after 300 ms/);
    assert.equal((await python("output = 'still here'")).output, "still here");
  });

  test("allocating 2 GB is a memory error", async () => {
    const error = await refused("def main(input):\n    return len(bytearray(2 * 1024 ** 3))\n", "memory", {
      memoryMb: 128,
    });
    assert.match(error.message, /128 MB/);
  });

  test("printing 10 MB passes the output limit", async () => {
    await refused("def main(input):\n    print('x' * 10_000_000)\n", "output-too-large", {
      maxOutputBytes: 1_000_000,
    });
    await refused("def main(input):\n    return 'x' * 2_000_000\n", "output-too-large", {
      maxOutputBytes: 1_000_000,
    });
  });

  test("the kernel filter refuses files, sockets, exec and fork even without the audit hook", async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    // Drives python_worker.py's seccomp filters directly, as a script that had escaped every
    // Python-level guard would meet them.
    const worker = fileURLToPath(new URL("./python_worker.py", import.meta.url));
    const probe = [
      "import sys, os, socket",
      `sys.path.insert(0, ${JSON.stringify(worker.replace(/\/[^/]+$/, ""))})`,
      "import python_worker as w",
      "m = os.uname().machine",
      "w.drop_capabilities(); w.prctl(w.PR_SET_NO_NEW_PRIVS, 1)",
      "w.install_seccomp(w.compile_filter(m, w.SERVER_DENY.values()))",
      "w.install_seccomp(w.compile_filter(m, w.CHILD_DENY.values()))",
      "def attempt(name, f):",
      "    try:",
      "        f(); print(name, 'ALLOWED')",
      "    except PermissionError as e:",
      "        print(name, 'EPERM' if e.errno == 1 else e)",
      "    except ValueError as e:  # resource.setrlimit reports EPERM as ValueError",
      "        print(name, 'EPERM' if 'not allowed' in str(e) else e)",
      "attempt('open', lambda: os.open('/etc/hostname', os.O_RDONLY))",
      `attempt('connect', lambda: socket.create_connection(('127.0.0.1', ${port})))`,
      "attempt('exec', lambda: os.execv('/bin/true', ['true']))",
      "attempt('fork', lambda: os.fork())",
      "attempt('kill', lambda: os.kill(os.getppid(), 0))",
      "attempt('setrlimit', lambda: __import__('resource').setrlimit(__import__('resource').RLIMIT_AS, (1 << 40, 1 << 40)))",
    ].join("\n");
    const result = spawnSync("python3", ["-I", "-S", "-B", "-c", probe], { encoding: "utf8" });
    server.close();
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n"), [
      "open EPERM",
      "connect EPERM",
      "exec EPERM",
      "fork EPERM",
      "kill EPERM",
      "setrlimit EPERM",
    ]);
  });
});
