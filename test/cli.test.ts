import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";

const bin = join(import.meta.dirname, "..", "bin", "rampart");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A config in a file passed as `@file`: inline secrets would add a warning line to stderr. */
function configArg(config: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "rampart-cli-config-")), "config.json");
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return `@${file}`;
}

function rampart(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      {
        env: { ...process.env, RAMPART_HOME: mkdtempSync(join(tmpdir(), "rampart-cli-")) },
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("rampart CLI against rampart lab", () => {
  let lab: ChildProcess;
  let config: Record<string, unknown>;
  let url: string;

  before(async () => {
    lab = spawn(bin, ["lab", "--port", "0", "--seed", "5"], { stdio: ["ignore", "pipe", "inherit"] });
    const lines = createInterface({ input: lab.stdout! });
    for await (const line of lines) {
      const sim = JSON.parse(line) as { connector: string; url: string; config: Record<string, unknown> };
      assert.ok(sim.url.startsWith("http://127.0.0.1:"));
      if (sim.connector === "thinkst-canary") {
        config = sim.config;
        url = sim.url;
        break;
      }
    }
  });
  after(async () => {
    lab.kill("SIGTERM");
    await once(lab, "exit");
  });

  test("connectors lists Thinkst Canary", async () => {
    const run = await rampart("connectors", "--json");
    assert.equal(run.code, 0);
    const list = JSON.parse(run.stdout) as Array<{ name: string }>;
    assert.ok(list.some((c) => c.name === "thinkst-canary"));
  });

  test("ops --json lists every seed endpoint with its method and path", async () => {
    const ops = JSON.parse((await rampart("ops", "thinkst-canary", "--json")).stdout) as Array<
      Record<string, unknown>
    >;
    const routes = ops.map((op) => `${op.method} ${op.path}`);
    for (const route of [
      "POST /incident/acknowledge",
      "POST /incident/unacknowledge",
      "DELETE /incident/delete",
      "GET /incident/fetch",
      "POST /incidents/acknowledge",
      "POST /incidents/unacknowledge",
      "DELETE /incidents/delete",
      "GET /incidents/all",
      "GET /incidents/unacknowledged",
    ]) {
      assert.ok(routes.includes(route), `missing ${route}`);
    }
    for (const op of ops)
      assert.deepEqual(Object.keys(op), [
        "name",
        "title",
        "description",
        "method",
        "path",
        "input",
        "output",
      ]);
  });

  test("call acknowledges, fetches and bulk-acknowledges; the simulator's state shows it", async () => {
    const cfg = JSON.stringify(config);
    const feed = JSON.parse(
      (await rampart("call", "thinkst-canary", "listUnacknowledgedIncidents", "--config", cfg)).stdout,
    );
    const [first, second] = feed.incidents as Array<{ id: string; description: { node_id: string } }>;

    const ack = await rampart(
      "call",
      "thinkst-canary",
      "acknowledgeIncident",
      "--config",
      cfg,
      "--input",
      JSON.stringify({ incident: first!.id }),
    );
    assert.equal(ack.code, 0, ack.stderr);
    assert.deepEqual(JSON.parse(ack.stdout), { action: "acknowledged", key: first!.id, result: "success" });

    const inputFile = join(mkdtempSync(join(tmpdir(), "rampart-in-")), "input.json");
    writeFileSync(inputFile, JSON.stringify({ incident: first!.id }));
    const fetched = await rampart(
      "call",
      "thinkst-canary",
      "fetchIncident",
      "--config",
      cfg,
      "--input",
      `@${inputFile}`,
    );
    assert.equal(JSON.parse(fetched.stdout).incident.acknowledged, "True");

    const node = second!.description.node_id;
    const bulk = await rampart(
      "call",
      "thinkst-canary",
      "acknowledgeIncidents",
      "--config",
      cfg,
      "--input",
      JSON.stringify({ node_id: node }),
    );
    assert.equal(bulk.code, 0, bulk.stderr);
    const keys = JSON.parse(bulk.stdout).keys as string[];
    assert.ok(keys.includes(second!.id));

    const state = (await (await fetch(`${url}/__sim/state`)).json()) as {
      incidents: Array<{ id: string; acknowledged: string; node_id: string }>;
    };
    assert.equal(state.incidents.find((i) => i.id === first!.id)!.acknowledged, "True");
    for (const incident of state.incidents.filter((i) => i.node_id === node))
      assert.equal(incident.acknowledged, "True");
  });

  test("bad input exits 2 with one ValidationError line naming the field", async () => {
    const run = await rampart(
      "call",
      "thinkst-canary",
      "acknowledgeIncidents",
      "--config",
      configArg(config),
      "--input",
      '{"node_id":"a","src_host":"10.1.1.1"}',
    );
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^ValidationError: input\.node_id and input\.src_host cannot be used together\n$/,
    );
    const missing = await rampart(
      "call",
      "thinkst-canary",
      "fetchIncident",
      "--config",
      JSON.stringify({ url }),
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^ValidationError: config\.auth_token is required\n$/);
  });

  test("a remote failure exits 1 with the error type, and the token is not echoed", async () => {
    const run = await rampart(
      "call",
      "thinkst-canary",
      "ping",
      "--config",
      configArg({ ...config, auth_token: "wrong-token-0000" }),
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^AuthError: .*Unauthorized\n$/);
    assert.ok(!run.stderr.includes("wrong-token-0000"));
  });
});

test("the demo ingests every source into OCSF and leaves a data dir to explore", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-demo-test-"));
  const run = await rampart("--data-dir", dataDir, "demo", "--no-serve");
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /listening on/);
  assert.match(run.stdout, /Saved 7 connections/);
  assert.match(run.stdout, /Polled again: 0 new/);
  assert.match(run.stdout, /canary +1 +60 /);
  assert.match(
    run.stdout,
    /canary-incident-to-iris +60 +0 +60 +0 /,
    "every new Canary incident ran its playbook",
  );
  assert.match(run.stdout, /Canary: unacknowledged incidents 60 → 0/);
  assert.match(run.stdout, /Triggers started 0 more runs/);
  const runs = await rampart("--data-dir", dataDir, "runs", "list", "--limit", "1000", "--json");
  assert.equal(runs.code, 0, runs.stderr);
  const list = JSON.parse(runs.stdout) as Array<{ playbookName: string; status: string }>;
  assert.equal(
    list.filter((r) => r.playbookName === "canary-incident-to-iris" && r.status === "succeeded").length,
    60,
  );
  const listed = await rampart(
    "--data-dir",
    dataDir,
    "alerts",
    "list",
    "--source",
    "canary",
    "--limit",
    "1000",
    "--json",
  );
  assert.equal(JSON.parse(listed.stdout).length, 60);
});
