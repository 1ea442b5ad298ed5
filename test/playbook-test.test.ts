import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "rampart");
const PLAYBOOK = "ms-defender-get-alert-ips.yaml";
const TESTS = "ms-defender-get-alert-ips.test.yaml";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function rampart(args: string[], cwd = root): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { cwd, env: { ...process.env, RAMPART_HOME: mkdtempSync(join(tmpdir(), "rampart-cli-")) } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A temp dir holding the shipped playbook and its test file, the latter changed by `edit`. */
function copyWith(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "rampart-pbtest-"));
  copyFileSync(join(root, "playbooks", PLAYBOOK), join(dir, PLAYBOOK));
  const text = readFileSync(join(root, "playbooks", TESTS), "utf8");
  const changed = edit(text);
  assert.notEqual(changed, text, "the edit must change the test file");
  writeFileSync(join(dir, TESTS), changed);
  return dir;
}

describe("rampart test", () => {
  test("the shipped playbooks' test cases pass", async () => {
    const run = await rampart(["test", "playbooks/"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const lines = run.stdout.trim().split("\n");
    const ours = lines.filter((l) => l.startsWith(`✓ playbooks/${TESTS} › `));
    assert.ok(ours.length >= 10, run.stdout);
    assert.ok(ours.some((l) => l.includes("persistent 403 takes the failure branch")));
    assert.ok(!lines.some((l) => l.startsWith("✗")), run.stdout);
    assert.match(lines.at(-1)!, /^\d+ passed, 0 failed$/);
  });

  test("a wrong expected path and output fail the case with a diff, exit 1", async () => {
    const dir = copyWith((text) =>
      text
        .replace(
          "path: [get_alerts, defender_status_code, success_response, done]",
          "path: [get_alerts, done]",
        )
        .replace("      outputs:\n        alert_count: 2\n", "      outputs:\n        alert_count: 7\n"),
    );
    const run = await rampart(["test", dir]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const out = run.stdout;
    assert.match(
      out,
      /✗ .*ms-defender-get-alert-ips\.test\.yaml › success branch structures the unique IPv4 and IPv6/,
    );
    // The path diff: the expected lines marked -, the actual ones +.
    assert.match(out, /path: {2}- expected {2}\+ actual/);
    assert.match(out, /\+ {3}"defender_status_code",/);
    assert.match(out, /\+ {3}"success_response",/);
    assert.match(out, /outputs: {2}- expected {2}\+ actual/);
    assert.match(out, /- {3}"alert_count": 7/);
    assert.match(out, /\+ {3}"alert_count": 2/);
    // Long equal stretches (the expected ips, which match) are elided next to the change.
    assert.match(out, /⋮ \(\d+ equal lines\)/);
    assert.ok(!out.includes('"ip": "8.8.8.8"'), out);
    assert.match(
      out,
      /the run succeeded; steps: get_alerts → defender_status_code → success_response → done/,
    );
    // The other cases still ran and passed.
    assert.match(out, /✓ .* › failure branch on HTTP 500/);
    assert.match(out.trim().split("\n").at(-1)!, /^10 passed, 1 failed$/);
  });

  test("a wrong step expectation against the simulator fails too", async () => {
    const dir = copyWith((text) =>
      text.replace(
        "get_alerts: { status: 200, attempts: 1, requests: 2 }",
        "get_alerts: { status: 200, attempts: 1, requests: 1 }",
      ),
    );
    const run = await rampart(["test", join(dir, PLAYBOOK), "--filter", "503 is retried"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /steps\.get_alerts: {2}- expected {2}\+ actual/);
    assert.match(run.stdout, /- {3}"requests": 1/);
    assert.match(run.stdout, /\+ {3}"requests": 2/);
    assert.match(run.stdout.trim().split("\n").at(-1)!, /^0 passed, 1 failed$/);
  });

  test("an invalid test file is reported with lines, exit 2", async () => {
    const dir = copyWith((text) =>
      text
        .replace(
          "  - name: failure branch on HTTP 500\n",
          "  - name: failure branch on HTTP 500\n    retries: 3\n",
        )
        .replace(
          "      defender.listAlerts:\n        error: { type: TimeoutError,",
          "      defender.listAlertz:\n        error: { type: TimeoutError,",
        )
        .replace(
          'path: [get_alerts, get_alerts_failed]\n      message: "Get',
          'path: [get_alerts, get_alert_failed]\n      message: "Get',
        ),
    );
    const lines = readFileSync(join(dir, TESTS), "utf8").split("\n");
    const lineOf = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    const run = await rampart(["test", dir]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    const file = join(dir, TESTS);
    assert.match(run.stderr, new RegExp(`${file}:${lineOf("retries: 3")}:\\d+: .*unknown key "retries"`));
    // Schema problems are reported first; fix them and the stub and path checks follow.
    const fixed = copyWith((text) =>
      text
        .replace(
          "      defender.listAlerts:\n        error: { type: TimeoutError,",
          "      defender.listAlertz:\n        error: { type: TimeoutError,",
        )
        .replace(
          'path: [get_alerts, get_alerts_failed]\n      message: "Get',
          'path: [get_alerts, get_alert_failed]\n      message: "Get',
        )
        .replace("value: [] }", "value: 5 }"),
    );
    const fixedLines = readFileSync(join(fixed, TESTS), "utf8").split("\n");
    const fixedLineOf = (text: string) => fixedLines.findIndex((l) => l.includes(text)) + 1;
    const again = await rampart(["test", fixed]);
    assert.equal(again.code, 2, again.stdout + again.stderr);
    const fixedFile = join(fixed, TESTS);
    assert.match(
      again.stderr,
      new RegExp(
        `${fixedFile}:${fixedLineOf("defender.listAlertz:")}:\\d+: stub defender.listAlertz: connector ms-defender has no operation "listAlertz"`,
      ),
    );
    assert.match(
      again.stderr,
      new RegExp(
        `${fixedFile}:${fixedLineOf("get_alert_failed]")}:\\d+: expect.path: "get_alert_failed" is not a step`,
      ),
    );
    assert.match(
      again.stderr,
      new RegExp(
        `${fixedFile}:${fixedLineOf("value: 5")}:\\d+: stub defender.listAlerts: ms-defender.listAlerts could not reply this: output.value must be array`,
      ),
    );
    assert.equal(again.stdout.trim(), "0 passed, 0 failed");
  });
});
