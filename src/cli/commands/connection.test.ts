import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Simulator } from "../../connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../../connectors/thinkst-canary/simulator.ts";

const bin = join(import.meta.dirname, "..", "..", "..", "bin", "rampart");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("rampart connection, end to end against the Canary simulator", () => {
  let sim: Simulator;
  let dataDir: string;
  let token: string;
  let configFile: string;

  // Every run starts from an environment without RAMPART_MASTER_KEY/RAMPART_HOME, so only --data-dir counts.
  function rampart(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const base = { ...process.env };
    delete base.RAMPART_MASTER_KEY;
    delete base.RAMPART_HOME;
    return new Promise((resolve) => {
      execFile(bin, args, { env: { ...base, ...env } }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });
  }
  const inDir = (...args: string[]) => rampart(["--data-dir", dataDir, ...args]);

  function assertNoSecret(run: Run): void {
    assert.ok(!run.stdout.includes(token), `stdout shows the token: ${run.stdout}`);
    assert.ok(!run.stderr.includes(token), `stderr shows the token: ${run.stderr}`);
  }

  before(async () => {
    sim = await startCanarySimulator({ port: 0, seed: 11 });
    token = String(sim.config.auth_token);
    assert.ok(token.length >= 8);
    dataDir = mkdtempSync(join(tmpdir(), "rampart-connection-cli-"));
    configFile = join(dataDir, "..", `${dataDir.split("/").pop()}-canary.json`);
    writeFileSync(configFile, JSON.stringify(sim.config));
  });
  after(async () => {
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configFile, { force: true });
  });

  test("add saves a connection, encrypted, with an owner-only key file", async () => {
    const run = await inDir(
      "connection",
      "add",
      "canary",
      "--connector",
      "thinkst-canary",
      "--config",
      `@${configFile}`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'saved connection "canary" (thinkst-canary)');
    assertNoSecret(run);
    assert.equal(statSync(join(dataDir, "master.key")).mode & 0o777, 0o600);
    for (const file of readdirSync(dataDir).filter((f) => f.startsWith("rampart.db"))) {
      assert.equal(readFileSync(join(dataDir, file)).indexOf(token), -1, `${file} holds the token in clear`);
    }
  });

  test("add refuses a duplicate name and an invalid config, naming the field, exit 2", async () => {
    const duplicate = await inDir(
      "connection",
      "add",
      "canary",
      "--connector",
      "thinkst-canary",
      "--config",
      JSON.stringify(sim.config),
    );
    assert.equal(duplicate.code, 2);
    assert.match(duplicate.stderr, /^ConflictError: connection "canary" already exists/);

    const invalid = await inDir(
      "connection",
      "add",
      "broken",
      "--connector",
      "thinkst-canary",
      "--config",
      JSON.stringify({ ...sim.config, url: "not a url" }),
    );
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /^ValidationError: config\.url must match format "uri"/);
    assertNoSecret(invalid);

    const badName = await inDir(
      "connection",
      "add",
      "Canary Prod",
      "--connector",
      "thinkst-canary",
      "--config",
      "{}",
    );
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /ValidationError: name "Canary Prod" is not a valid connection name/);

    const unknown = await inDir("connection", "add", "x", "--connector", "nope", "--config", "{}");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /ValidationError: unknown connector "nope"/);
  });

  test("list shows the connection with its token redacted, as a table and as JSON", async () => {
    const plain = await inDir("connection", "list");
    assert.equal(plain.code, 0, plain.stderr);
    assertNoSecret(plain);
    assert.match(plain.stdout, /^NAME\s+CONNECTOR\s+UPDATED\s+CONFIG/);
    assert.match(plain.stdout, /canary\s+thinkst-canary/);
    assert.match(plain.stdout, /"auth_token":"\[REDACTED\]"/);

    const json = await inDir("connection", "list", "--json");
    assert.equal(json.code, 0, json.stderr);
    assertNoSecret(json);
    const list = JSON.parse(json.stdout) as Array<{
      name: string;
      connector: string;
      config: Record<string, unknown>;
    }>;
    assert.deepEqual(
      list.map((c) => [c.name, c.connector]),
      [["canary", "thinkst-canary"]],
    );
    assert.deepEqual(list[0]!.config, { url: sim.config.url, auth_token: "[REDACTED]" });
  });

  test("--data-dir is also read after the subcommand", async () => {
    const run = await rampart(["connection", "list", "--json", "--data-dir", dataDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as unknown[]).length, 1);
  });

  test("test calls the connector's test operation (ping)", async () => {
    const run = await inDir("connection", "test", "canary");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'ok: connection "canary" (thinkst-canary) answered ping');
  });

  test("test reports a rejected token as an AuthError, exit 1, without the token", async () => {
    const bad = await inDir(
      "connection",
      "add",
      "canary-badtoken",
      "--connector",
      "thinkst-canary",
      "--config",
      JSON.stringify({ ...sim.config, auth_token: "wrong-token-0000" }),
    );
    assert.equal(bad.code, 0, bad.stderr);
    const run = await inDir("connection", "test", "canary-badtoken");
    assert.equal(run.code, 1);
    assert.match(run.stderr, /AuthError/);
    assert.ok(!run.stderr.includes("wrong-token-0000"));
    assert.equal((await inDir("connection", "remove", "canary-badtoken")).code, 0);
  });

  test("call uses a saved connection by name", async () => {
    const run = await inDir("call", "thinkst-canary", "ping", "--connection", "canary");
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { result: "success" });
    assertNoSecret(run);
  });

  test("call takes exactly one of --config and --connection", async () => {
    const both = await inDir(
      "call",
      "thinkst-canary",
      "ping",
      "--connection",
      "canary",
      "--config",
      JSON.stringify(sim.config),
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^UsageError: give either --config or --connection, not both/);
    const neither = await inDir("call", "thinkst-canary", "ping");
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /^UsageError: --config <json\|@file\|-> or --connection <name> is required/);
    const otherVendor = await inDir("call", "ms-defender", "listAlerts", "--connection", "canary");
    assert.equal(otherVendor.code, 2);
    assert.match(
      otherVendor.stderr,
      /^UsageError: connection "canary" is for connector thinkst-canary, not ms-defender/,
    );
    const missing = await inDir("call", "thinkst-canary", "ping", "--connection", "ghost");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^NotFoundError: no connection named "ghost"/);
  });

  test("another master key cannot read the saved connections", async () => {
    const run = await rampart(["--data-dir", dataDir, "connection", "list"], {
      RAMPART_MASTER_KEY: randomBytes(32).toString("hex"),
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^AuthError: cannot decrypt stored secrets/);
    assertNoSecret(run);
    const malformed = await rampart(["--data-dir", dataDir, "connection", "list"], {
      RAMPART_MASTER_KEY: "tooshort",
    });
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /^ValidationError: RAMPART_MASTER_KEY must be a 32-byte key/);
    assert.ok(!malformed.stderr.includes("tooshort"));
  });

  test("processes starting at once on a fresh data dir share one key and one schema", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "rampart-connection-race-"));
    try {
      const names = ["race-a", "race-b", "race-c", "race-d"];
      const runs = await Promise.all(
        names.map((name) =>
          rampart([
            "--data-dir",
            fresh,
            "connection",
            "add",
            name,
            "--connector",
            "thinkst-canary",
            "--config",
            JSON.stringify(sim.config),
          ]),
        ),
      );
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      const list = await rampart(["--data-dir", fresh, "connection", "list", "--json"]);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        (JSON.parse(list.stdout) as Array<{ name: string }>).map((c) => c.name),
        names,
      );
      const test = await rampart(["--data-dir", fresh, "connection", "test", "race-c"]);
      assert.equal(test.code, 0, test.stderr);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test("remove deletes the connection; removing it again fails", async () => {
    const run = await inDir("connection", "remove", "canary");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'removed connection "canary"');
    const list = await inDir("connection", "list", "--json");
    assert.deepEqual(JSON.parse(list.stdout), []);
    const again = await inDir("connection", "remove", "canary");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^NotFoundError: no connection named "canary"/);
  });
});
