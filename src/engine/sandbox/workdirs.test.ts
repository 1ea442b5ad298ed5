import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

const RUNNER = new URL("./index.ts", import.meta.url).href;

// A Rampart-like process: it starts a script runner with TMPDIR set to `root`, runs one Python
// script (which creates its work dir), says "ran" and waits to be killed.
const HOLDER = `
import { createScriptRunner } from ${JSON.stringify(RUNNER)};
const runner = createScriptRunner({ poolSize: { python: 1 } });
await runner.run({ language: "python", code: "output = 1", input: null });
process.stdout.write("ran\\n");
setInterval(() => {}, 1000);
`;
// The next start: create a runner (which cleans up) and close it again.
const STARTER = `
import { createScriptRunner } from ${JSON.stringify(RUNNER)};
await createScriptRunner().close();
`;

function node(script: string, root: string): ChildProcess {
  return spawn(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", script],
    {
      env: { ...process.env, TMPDIR: root },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

describe("python work dirs", () => {
  const root = mkdtempSync(join(tmpdir(), "rampart-workdirs-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  test("a SIGKILLed Rampart's work dir is removed by the next start; a live one's is kept", async () => {
    const holder = node(HOLDER, root);
    const gone = exited(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ran") && resolve());
      holder.once("exit", (code) => reject(new Error(`holder exited early (${code})`)));
    });
    const own = readdirSync(root).filter((name) => name.startsWith(`rampart-python-${holder.pid}-`));
    assert.equal(own.length, 1, `work dirs: ${readdirSync(root).join(", ")}`);
    holder.kill("SIGKILL");
    await gone;
    assert.ok(readdirSync(root).includes(own[0]!), "the killed process's dir is still there");

    // A dir whose owner is alive (this test process) and one that is not a work dir at all.
    const live = join(root, `rampart-python-${process.pid}-keepme`);
    const other = join(root, "rampart-python-notapid");
    mkdirSync(live);
    mkdirSync(other);

    const starter = node(STARTER, root);
    assert.equal(await exited(starter), 0);
    const left = readdirSync(root).sort();
    assert.deepEqual(left, ["rampart-python-notapid", `rampart-python-${process.pid}-keepme`].sort());
  });
});
