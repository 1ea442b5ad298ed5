import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openDatabase } from "../src/store/database.ts";
import { SqlRunStore } from "../src/store/runs.ts";
import { killed, rampart, startUntil } from "./support/rampart-process.ts";

let root: string;
let dataDir: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "rampart-crash-loop-"));
  dataDir = join(root, "data");
});
after(() => rmSync(root, { recursive: true, force: true }));

async function runOf(id?: string) {
  const database = await openDatabase({ dataDir });
  try {
    const store = new SqlRunStore(database);
    const run = id ? await store.getRun(id) : (await store.listRuns({ limit: 1 }))[0];
    return { run: run!, steps: await store.steps(run!.id) };
  } finally {
    await database.close();
  }
}

test("a step that takes the process down on every attempt fails with ProcessCrashed after 3, and other runs go on", async () => {
  const playbook = join(root, "crashes.yaml");
  // The script stands for a step that kills the process: each attempt ends with a SIGKILL mid-step.
  writeFileSync(
    playbook,
    `name: crashes
start: hang
steps:
  hang:
    type: script
    language: javascript
    code: |
      function main() { while (true) {} }
`,
  );
  const quick = join(root, "quick.yaml");
  writeFileSync(quick, "name: quick\nstart: done\nsteps:\n  done:\n    type: end\n    status: success\n");

  const first = await startUntil(["--data-dir", dataDir, "run", playbook], /hang \(script\)\s+running/);
  await killed(first.child);
  const { run } = await runOf();
  for (let attempt = 2; attempt <= 3; attempt++) {
    const again = await startUntil(
      ["--data-dir", dataDir, "runs", "resume", run.id],
      /hang \(script\)\s+running/,
    );
    await killed(again.child);
  }
  const stuck = await runOf(run.id);
  assert.equal(stuck.steps.length, 3, "three attempts, each ended by the process dying");

  const resumed = await rampart(["--data-dir", dataDir, "runs", "resume", run.id, "--json"]);
  const after = await runOf(run.id);
  assert.equal(after.run.status, "failed", resumed.stdout + resumed.stderr);
  assert.equal(after.run.error?.type, "ProcessCrashed");
  assert.match(after.run.error!.message, /step hang stopped the process during 3 attempts/);
  assert.deepEqual(
    after.steps.map((s) => s.status),
    ["interrupted", "interrupted", "interrupted", "failed"],
  );

  const other = await rampart(["--data-dir", dataDir, "run", quick, "--json"]);
  assert.equal(other.code, 0, other.stderr);
  assert.equal(JSON.parse(other.stdout).status, "succeeded");
});
