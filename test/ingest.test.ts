import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../src/connectors/thinkst-canary/simulator.ts";
import { createOcsfValidator } from "../src/ocsf/validator.ts";
import { AlertStore } from "../src/store/alerts.ts";
import { openDatabase } from "../src/store/database.ts";

const bin = join(import.meta.dirname, "..", "bin", "rampart");

function rampart(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, ["--data-dir", dataDir, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function storedAlerts(dataDir: string): Promise<{ count: number; vendorIds: string[] }> {
  const database = await openDatabase({ dataDir });
  try {
    const rows = await database.db.selectFrom("alerts").select("vendor_id").execute();
    return { count: rows.length, vendorIds: rows.map((r) => String(r.vendor_id)) };
  } finally {
    await database.close();
  }
}

describe("rampart ingest from a Canary console", () => {
  let sim: Simulator;
  let total: number;
  before(async () => {
    sim = await startCanarySimulator({ seed: 21 });
    // 60 seeded + 1140 new: three pages of 500 at the source's page size.
    await fetch(`${sim.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"count":1140}',
    });
    total = 1200;
  });
  after(() => sim.close());

  async function setUp(): Promise<string> {
    const dataDir = mkdtempSync(join(tmpdir(), "rampart-ingest-"));
    assert.equal(
      (
        await rampart(
          dataDir,
          "connection",
          "add",
          "canary",
          "--connector",
          "thinkst-canary",
          "--config",
          JSON.stringify(sim.config),
        )
      ).code,
      0,
    );
    assert.equal(
      (await rampart(dataDir, "source", "add", "canary", "--connection", "canary", "--every", "30s")).code,
      0,
    );
    return dataDir;
  }

  test("stores every incident once; polling again stores nothing new; changes are updates", async () => {
    const dataDir = await setUp();
    const first = JSON.parse((await rampart(dataDir, "ingest", "--once", "--json")).stdout);
    assert.deepEqual([first[0].new, first[0].updated, first[0].pages], [total, 0, 3]);
    const again = JSON.parse((await rampart(dataDir, "ingest", "--once", "--json")).stdout);
    assert.deepEqual([again[0].new, again[0].updated], [0, 0]);

    const feed = (await (await fetch(`${sim.url}/__sim/state`)).json()) as {
      incidents: Array<{ id: string }>;
    };
    await fetch(`${sim.url}/api/v1/incident/acknowledge`, {
      method: "POST",
      headers: {
        "x-canary-auth-token": String(sim.config.auth_token),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: `incident=${encodeURIComponent(feed.incidents[0]!.id)}`,
    });
    const changed = JSON.parse((await rampart(dataDir, "ingest", "--once", "--json")).stdout);
    assert.deepEqual([changed[0].new, changed[0].updated], [0, 1]);
    const database = await openDatabase({ dataDir });
    try {
      const store = new AlertStore(database.db);
      const [acked] = await database.db
        .selectFrom("alerts")
        .select("id")
        .where("vendor_id", "=", feed.incidents[0]!.id)
        .execute();
      const alert = (await store.get(String(acked!.id)))!;
      assert.equal(alert.version, 2);
      assert.equal((await store.versions(alert.id)).length, 1);
    } finally {
      await database.close();
    }
  });

  test("every exported alert is valid OCSF 1.8.0 in strict mode", async () => {
    const dataDir = await setUp();
    await rampart(dataDir, "ingest", "--once");
    const file = join(dataDir, "alerts.ndjson");
    assert.equal((await rampart(dataDir, "alerts", "export", "--format", "ndjson", "--out", file)).code, 0);
    const exported = readFileSync(file, "utf8").trim().split("\n");
    assert.equal(exported.length, total);
    const validator = createOcsfValidator({ strict: true });
    for (const line of exported) {
      const result = validator.validate(JSON.parse(line));
      assert.deepEqual(result.errors, []);
    }
  });

  test("killed mid-page, ingestion loses nothing and doubles nothing", async () => {
    const dataDir = await setUp();
    // The first page answers at once; the second hangs long enough to be killed during it.
    sim.faults.inject({ fault: { kind: "latency", ms: 0 }, path: "/incidents/all" });
    sim.faults.inject({ fault: { kind: "latency", ms: 60_000 }, path: "/incidents/all" });
    const child = spawn(bin, ["--data-dir", dataDir, "ingest", "--once"], { stdio: "ignore" });
    let stored = 0;
    while (stored < 500) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stored = (await storedAlerts(dataDir)).count;
    }
    child.kill("SIGKILL");
    await once(child, "exit");
    sim.faults.clear();
    assert.equal((await storedAlerts(dataDir)).count, 500, "only the committed first page is stored");

    const resumed = JSON.parse((await rampart(dataDir, "ingest", "--once", "--json")).stdout);
    assert.equal(resumed[0].new, total - 500, "the rest, from the checkpoint of the committed page");
    const { count, vendorIds } = await storedAlerts(dataDir);
    assert.equal(count, total);
    assert.equal(new Set(vendorIds).size, total);
  });

  test("a failing source is reported and retried later; it does not stop the others", async () => {
    const dataDir = await setUp();
    await rampart(
      dataDir,
      "connection",
      "add",
      "canary-bad",
      "--connector",
      "thinkst-canary",
      "--config",
      JSON.stringify({ ...sim.config, auth_token: "revoked-token-1234" }),
    );
    await rampart(dataDir, "source", "add", "canary-bad", "--connection", "canary-bad");
    const run = await rampart(dataDir, "ingest", "--once", "--json");
    assert.equal(run.code, 1);
    const reports = JSON.parse(run.stdout) as Array<{
      source: string;
      new: number;
      error?: { type: string };
    }>;
    assert.equal(reports.find((r) => r.source === "canary")!.new, total);
    assert.equal(reports.find((r) => r.source === "canary-bad")!.error!.type, "AuthError");
    const sources = JSON.parse((await rampart(dataDir, "source", "list", "--json")).stdout) as Array<{
      name: string;
      failures: number;
      nextPollAt: number;
      lastError: string;
    }>;
    const bad = sources.find((s) => s.name === "canary-bad")!;
    assert.equal(bad.failures, 1);
    assert.ok(bad.nextPollAt > Date.now() + 60_000, "backs off beyond its 1m interval");
    assert.ok(!bad.lastError.includes("revoked-token-1234"));
  });
});
