import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createScriptRunner, ScriptError } from "./index.ts";

// One worker, so every run below is forked from the same fork server as the run before it.
const runner = createScriptRunner({ poolSize: { python: 1 }, defaults: { timeoutMs: 10_000 } });
after(() => runner.close());

const python = (code: string, input: unknown = null) => runner.run({ language: "python", code, input });

async function refusedByHook(code: string): Promise<ScriptError> {
  const error = await python(code).then(
    (result) => assert.fail(`expected a refusal, got ${JSON.stringify(result.output)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ScriptError, String(error));
  assert.equal(error.kind, "forbidden", error.message);
  // The audit hook's own message, not only the kernel's EPERM: the hook is still on.
  assert.match(error.message, /is not allowed in a script step/);
  return error;
}

// Walks every frame reachable from the script (its own stack, a traceback's, a generator's) and,
// when the interpreter lets it, the garbage collector's object list; reports where `needle` shows.
// The needle is put together at run time, so neither the script's code nor its input contains it.
const SEARCH = `
import collections
sys = collections._sys

def frames():
    seen = []
    f = sys._getframe()
    while f is not None:
        seen.append(f)
        f = f.f_back
    try:
        raise ValueError()
    except ValueError as e:
        tb = e.__traceback__
        f = tb.tb_frame
        while f is not None:
            seen.append(f)
            f = f.f_back
    def gen():
        yield sys._getframe()
    g = gen()
    f = next(g)
    while f is not None:
        seen.append(f)
        f = f.f_back
    return seen

def main(input):
    needle = 'SEC' + 'RET'
    found = []
    for f in frames():
        if f.f_code.co_filename == '<script>':
            continue
        for scope, values in (('locals', f.f_locals), ('globals', f.f_globals)):
            for k, v in list(values.items()):
                if k == 'input':
                    continue
                try:
                    text = repr(v)
                except Exception:
                    continue
                if needle in text:
                    found.append('%s %s %s' % (f.f_code.co_name, scope, k))
    try:
        gc = sys.modules.get('gc') or __builtins__['__import__']('gc')
        for o in gc.get_objects():
            if isinstance(o, (str, bytes, bytearray)) and needle.encode() in (o if not isinstance(o, str) else o.encode()):
                found.append('gc object')
    except Exception as e:
        found.append('gc refused: ' + type(e).__name__)
    return sorted(set(found))
`;

describe("python runs are isolated from each other", () => {
  test("a script cannot find the previous run's code, input or output through frames or gc", async () => {
    const secret = `SECRET${randomBytes(8).toString("hex")}`;
    // Script A: the secret is in its code, its input, its logs and its output.
    const a = await python(
      `KEY = ${JSON.stringify(`${secret}-in-code`)}\ndef main(input):\n    print(input['token'])\n    return {'echo': input['token'], 'key': KEY}\n`,
      { token: `${secret}-in-input`, raw: { response: `${secret}-in-raw` } },
    );
    assert.equal((a.output as { echo: string }).echo, `${secret}-in-input`);

    const b = await python(SEARCH);
    const found = b.output as string[];
    // gc.get_objects is refused by the audit hook; nothing else may mention the secret.
    assert.deepEqual(
      found.filter((place) => !place.startsWith("gc refused")),
      [],
      `script B found the previous run's secret at: ${found.join(", ")}`,
    );
  });

  test("rebinding the deny list or the hook through frames leaves the hook on", async () => {
    const listener = createServer((socket) => socket.destroy());
    let connections = 0;
    listener.on("connection", () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const { port } = listener.address() as AddressInfo;
    // Empties the deny list in every module namespace reachable from the stack, and turns any
    // hook function found there into a no-op.
    const disarm = [
      "import collections",
      "sys = collections._sys",
      "f = sys._getframe()",
      "while f is not None:",
      "    g = f.f_globals",
      "    for name in ('DENIED_EVENTS', 'REMOVED_BUILTINS'):",
      "        if name in g: g[name] = ()",
      "    if callable(g.get('audit_hook')):",
      "        g['audit_hook'].__code__ = (lambda event, args: None).__code__",
      "    f = f.f_back",
      "os = sys.modules['os']",
    ].join("\n");
    try {
      await refusedByHook(
        `${disarm}\ndef main(input):\n    return sys.modules['ctypes'].CDLL(None).getpid()\n`,
      );
      await refusedByHook(
        `${disarm}\ndef main(input):\n    return sys.modules['io'].open('/etc/hostname').read()\n`,
      );
      await refusedByHook(
        `${disarm}\nimport socket\ndef main(input):\n    socket.create_connection(('127.0.0.1', ${port}))\n`,
      );
      await refusedByHook(`${disarm}\ndef main(input):\n    return os.listdir('/')\n`);
      assert.equal(connections, 0);
    } finally {
      listener.close();
    }
  });
});

const isRoot = process.getuid?.() === 0;

describe("python runs see nothing of the host", () => {
  test("as root, a script runs as nobody and cannot stat host files", {
    skip: isRoot ? false : "needs root: the uid drop applies only when Rampart runs as root",
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rampart-isolation-data-"));
    const key = join(dataDir, "master.key");
    writeFileSync(key, randomBytes(32), { mode: 0o600 });
    try {
      const result = await python(
        [
          "import collections",
          "os = collections._sys.modules['os']",
          "def probe(f):",
          "    try:",
          "        r = f()",
          "        return 'visible: %r' % (r,)",
          "    except OSError as e:",
          "        return 'refused'",
          "def main(input):",
          "    return {",
          "        'uid': os.getuid(), 'euid': os.geteuid(), 'gid': os.getgid(), 'groups': os.getgroups(),",
          "        'shadow': probe(lambda: os.stat('/etc/shadow').st_size),",
          "        'key': probe(lambda: os.stat(input['key']).st_size),",
          "        'db_dir': probe(lambda: os.lstat(input['dir']).st_mtime),",
          "        'passwd': probe(lambda: os.access('/etc/passwd', os.F_OK) or (_ for _ in ()).throw(OSError())),",
          "    }",
        ].join("\n"),
        { key, dir: dataDir },
      );
      assert.deepEqual(result.output, {
        uid: 65534,
        euid: 65534,
        gid: 65534,
        groups: [],
        shadow: "refused",
        key: "refused",
        db_dir: "refused",
        passwd: "refused",
      });
      const listed = await python(
        "import collections\nos = collections._sys.modules['os']\ndef main(input):\n    try:\n        return os.listdir('/')\n    except Exception as e:\n        return type(e).__name__\n",
      );
      assert.equal(listed.output, "PermissionError");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
