import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../src/connectors/thinkst-canary/simulator.ts";
import { DATABASES, type FreshDatabase, freshDatabase } from "./support/databases.ts";
import { type Finished, RAMPART } from "./support/rampart-process.ts";

const postgres = DATABASES.find((k) => k.name === "postgres")!;

/** `rampart` with `env` added to this process's environment. */
function run(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(RAMPART, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("the CLI on PostgreSQL, through real processes", { skip: postgres.skip }, () => {
  let sim: Simulator;
  let fresh: FreshDatabase;
  let root: string;
  let url: string;
  before(async () => {
    sim = await startCanarySimulator({ seed: 14 });
    await fetch(`${sim.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"count":540}',
    });
    fresh = await freshDatabase(postgres);
    url = fresh.url!;
    root = mkdtempSync(join(tmpdir(), "rampart-pg-cli-"));
  });
  after(async () => {
    await sim.close();
    await fresh.drop();
    rmSync(root, { recursive: true, force: true });
  });

  test("connection, source, ingest, alerts and a run all live in PostgreSQL; the data dir keeps only the key", async () => {
    const dataDir = join(root, "data");
    const pg = ["--data-dir", dataDir, "--database", url];
    const added = await run([
      ...pg,
      "connection",
      "add",
      "canary",
      "--connector",
      "thinkst-canary",
      "--config",
      JSON.stringify(sim.config),
    ]);
    assert.equal(added.code, 0, added.stderr);
    const source = await run([...pg, "source", "add", "canary", "--connection", "canary", "--every", "30s"]);
    assert.equal(source.code, 0, source.stderr);

    const first = await run([...pg, "ingest", "--once", "--json"]);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout)[0];
    assert.deepEqual([report.new, report.updated], [600, 0], "60 seeded + 540 generated incidents");
    const again = JSON.parse((await run([...pg, "ingest", "--once", "--json"])).stdout)[0];
    assert.deepEqual([again.new, again.updated], [0, 0], "the checkpoint and alerts were kept in PostgreSQL");

    // The same database through the environment variable instead of the flag.
    const listed = await run(["--data-dir", dataDir, "alerts", "list", "--limit", "1000", "--json"], {
      RAMPART_DATABASE_URL: url,
    });
    assert.equal(listed.code, 0, listed.stderr);
    const alerts = JSON.parse(listed.stdout) as Array<{ vendorId: string; time: number; severityId: number }>;
    assert.equal(alerts.length, 600);
    assert.equal(new Set(alerts.map((a) => a.vendorId)).size, 600);
    assert.equal(typeof alerts[0]!.time, "number");

    const playbook = join(root, "ping.yaml");
    writeFileSync(
      playbook,
      `name: ping
connections:
  canary: { connector: thinkst-canary }
outputs:
  pinged: "=steps.ping.output"
start: ping
steps:
  ping:
    type: call
    connection: canary
    operation: ping
    input: {}
`,
    );
    const ran = await run([...pg, "run", playbook, "--json"]);
    assert.equal(ran.code, 0, ran.stderr);
    const outcome = JSON.parse(ran.stdout) as { runId: string; status: string };
    assert.equal(outcome.status, "succeeded");
    const runs = JSON.parse((await run([...pg, "runs", "list", "--json"])).stdout) as Array<{ id: string }>;
    assert.deepEqual(
      runs.map((r) => r.id),
      [outcome.runId],
    );

    // Without --database the same data dir is an empty SQLite store: nothing above went there.
    assert.equal(existsSync(join(dataDir, "rampart.db")), false);
    assert.deepEqual(readdirSync(dataDir).sort(), ["master.key"]);
    const local = await run(["--data-dir", dataDir, "connection", "list", "--json"], {
      RAMPART_DATABASE_URL: "",
    });
    assert.equal(local.code, 0, local.stderr);
    assert.deepEqual(JSON.parse(local.stdout), []);
  });

  test("an unreachable server fails the command with its URL but never its password", async () => {
    const failed = await run([
      "--data-dir",
      join(root, "unreachable"),
      "--database",
      "postgres://rampart:s3cret-pass-word@127.0.0.1:1/rampart",
      "alerts",
      "list",
    ]);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /postgres:\/\/rampart:\*\*\*@127\.0\.0\.1:1\/rampart/);
    assert.ok(!`${failed.stdout}${failed.stderr}`.includes("s3cret"));
  });
});
