import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";

const bin = join(import.meta.dirname, "..", "bin", "rampart");
const CONFIG = JSON.stringify({ url: "https://example.canary.tools", auth_token: "tok-7f3a9c1e5b" });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function rampart(dataDir: string, args: string[], stdin?: string): Promise<Run> {
  const env = { ...process.env };
  delete env.RAMPART_MASTER_KEY;
  delete env.RAMPART_HOME;
  return new Promise((resolve) => {
    const child = spawn(bin, ["--data-dir", dataDir, ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

describe("the CLI keeps secrets out of ps, data files owner-only, and bad sources out of the store", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "rampart-cli-hardening-"));
    // A data dir the user made beforehand, readable by everyone: Rampart's files inside must still be owner-only.
    chmodSync(dataDir, 0o755);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test("the database and the key file are created owner-only in a world-readable folder", async () => {
    const run = await rampart(dataDir, [
      "connection",
      "add",
      "inline",
      "--connector",
      "thinkst-canary",
      "--config",
      CONFIG,
    ]);
    assert.equal(run.code, 0, run.stderr);
    for (const file of ["rampart.db", "master.key"]) {
      assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, `${file} is not owner-only`);
    }
  });

  test("a database left world-readable by an earlier version is tightened when opened", async () => {
    chmodSync(join(dataDir, "rampart.db"), 0o644);
    const run = await rampart(dataDir, ["connection", "list"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statSync(join(dataDir, "rampart.db")).mode & 0o777, 0o600);
  });

  test("a secret given inline is saved with a warning that names the safer ways, and never echoed", async () => {
    const run = await rampart(dataDir, [
      "connection",
      "add",
      "warned",
      "--connector",
      "thinkst-canary",
      "--config",
      CONFIG,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: --config holds secrets of thinkst-canary on the command line/);
    assert.match(run.stderr, /--config @file or --config - \(stdin\)/);
    assert.ok(!`${run.stdout}${run.stderr}`.includes("tok-7f3a9c1e5b"));
  });

  test("--config - reads the config from standard input, without a warning", async () => {
    const run = await rampart(
      dataDir,
      ["connection", "add", "piped", "--connector", "thinkst-canary", "--config", "-"],
      CONFIG,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    const list = await rampart(dataDir, ["connection", "list", "--json"]);
    const piped = (JSON.parse(list.stdout) as { name: string; config: { url: string } }[]).find(
      (c) => c.name === "piped",
    );
    assert.equal(piped?.config.url, "https://example.canary.tools");
  });

  test("--config @file reads the file, without a warning", async () => {
    const file = join(dataDir, "config.json");
    writeFileSync(file, CONFIG, { mode: 0o600 });
    const run = await rampart(dataDir, ["connection", "update", "piped", "--config", `@${file}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
  });

  test("--config - with nothing on stdin is refused naming the flag", async () => {
    const run = await rampart(dataDir, [
      "connection",
      "add",
      "empty",
      "--connector",
      "thinkst-canary",
      "--config",
      "-",
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--config is not valid JSON/);
  });

  test("a polling interval beyond a week is refused before anything is stored", async () => {
    const run = await rampart(dataDir, [
      "source",
      "add",
      "s3",
      "--connection",
      "piped",
      "--every",
      "999999999d",
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /every must be at most 7d/);
    const list = await rampart(dataDir, ["source", "list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /no sources/);
  });

  test("a row stored out of range by an earlier version breaks neither the listing nor the other sources", async () => {
    const good = await rampart(dataDir, ["source", "add", "good", "--connection", "piped", "--every", "5m"]);
    assert.equal(good.code, 0, good.stderr);
    const db = new DatabaseSync(join(dataDir, "rampart.db"));
    try {
      db.prepare(
        "INSERT INTO sources (name, connection, connector, interval_ms, failures, next_poll_at, created_at) VALUES (?, ?, ?, ?, 0, 0, 0)",
      ).run("legacy", "piped", "thinkst-canary", 86_399_999_913_600_000n);
    } finally {
      db.close();
    }
    const list = await rampart(dataDir, ["source", "list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /good/);
    assert.match(list.stdout, /legacy/);
  });
});

describe("a vendor echoing another connection's secret", () => {
  test("the failed poll's error is recorded and shown with every saved connection's secrets hidden", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rampart-cross-secret-"));
    const other = "tok-other-connection-5d1e8a";
    // A proxy in front of one console that quotes what it saw from another: the case seen in the field.
    const server = createServer((_req, res) => {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `upstream refused auth_token=${other}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const add = (name: string, config: object) =>
        rampart(
          dataDir,
          ["connection", "add", name, "--connector", "thinkst-canary", "--config", "-"],
          JSON.stringify(config),
        );
      assert.equal((await add("first", { url: "https://first.canary.tools", auth_token: other })).code, 0);
      assert.equal((await add("second", { url, auth_token: "tok-second-connection-77ab" })).code, 0);
      assert.equal((await rampart(dataDir, ["source", "add", "second", "--connection", "second"])).code, 0);
      const ingest = await rampart(dataDir, ["ingest", "--once", "--json", "--playbooks", dataDir]);
      assert.equal(ingest.code, 1);
      const list = await rampart(dataDir, ["source", "list"]);
      const db = new DatabaseSync(join(dataDir, "rampart.db"));
      const stored = JSON.stringify(db.prepare("SELECT last_error FROM sources").all());
      db.close();
      assert.match(stored, /upstream refused auth_token=\[REDACTED\]/);
      for (const said of [ingest.stdout, ingest.stderr, list.stdout, list.stderr, stored])
        assert.ok(!said.includes(other), `the other connection's secret was written out: ${said}`);
    } finally {
      server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
