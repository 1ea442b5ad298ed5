import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDefenderSimulator } from "../src/connectors/ms-defender/simulator.ts";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { rampart } from "./support/rampart-process.ts";

type Json = Record<string, any>;
const PLAYBOOK = resolve(import.meta.dirname, "../playbooks/ms-defender-get-alert-ips.yaml");
const WARNING =
  /^warning: ms-defender\.getAlert: output\.incidentId: expected integer or string or null, got object$/m;

/** A vendor reply no schema could foresee: one alert whose incidentId is an object. */
describe("a reply that does not match its output schema, through the CLI", () => {
  let sim: Simulator;
  let odd: Json;
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-warnings-"));
  const cli = (...args: string[]) => rampart(["--data-dir", dataDir, ...args]);
  // In a file, not inline: a secret on the command line adds a warning line of its own.
  const configFile = () => {
    const file = join(dataDir, "defender.json");
    writeFileSync(file, JSON.stringify(sim.config), { mode: 0o600 });
    return `@${file}`;
  };

  before(async () => {
    sim = await startDefenderSimulator({ seed: 3, alerts: 2 });
    const { alerts } = (await (await fetch(`${sim.url}/__sim/state`)).json()) as { alerts: Json[] };
    odd = { ...alerts[0], id: "da638000000000000000_42", incidentId: { value: 7 } };
    const res = await fetch(`${sim.url}/__sim/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ alerts: [odd] }),
    });
    assert.equal(res.status, 200);
  });
  after(() => sim.close());

  test("rampart call prints the output as sent and one warning line per mismatch on stderr", async () => {
    const run = await cli(
      "call",
      "ms-defender",
      "getAlert",
      "--config",
      configFile(),
      "--input",
      JSON.stringify({ id: odd.id }),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).incidentId, { value: 7 });
    assert.match(run.stderr, WARNING);
    assert.equal(run.stderr.trim().split("\n").length, 1, `only the warning line:\n${run.stderr}`);
    assert.ok(!run.stderr.includes(String(sim.config.client_secret)));
  });

  test("with strict_output: true the same call fails, naming the field", async () => {
    const run = await cli(
      "call",
      "ms-defender",
      "getAlert",
      "--config",
      JSON.stringify({ ...sim.config, strict_output: true }),
      "--input",
      JSON.stringify({ id: odd.id }),
    );
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^UpstreamError: ms-defender\.getAlert: reply does not match the expected shape: output\.incidentId/m,
    );
    assert.equal(run.stdout, "");
  });

  test("a playbook run records the warning on its step, and runs show prints it", async () => {
    const saved = await cli(
      "connection",
      "add",
      "defender",
      "--connector",
      "ms-defender",
      "--config",
      JSON.stringify(sim.config),
    );
    assert.equal(saved.code, 0, saved.stderr);
    const run = await cli("run", PLAYBOOK, "--connection", "defender=defender", "--json");
    assert.equal(run.code, 0, run.stderr);
    const outcome = JSON.parse(run.stdout) as { runId: string; status: string };
    assert.equal(outcome.status, "succeeded");

    const shown = await cli("runs", "show", outcome.runId, "--json");
    assert.equal(shown.code, 0, shown.stderr);
    const steps = JSON.parse(shown.stdout).steps as Json[];
    const call = steps.find((s) => s.key === "get_alerts")!;
    assert.equal(call.status, "succeeded");
    assert.equal(call.warnings.length, 1);
    assert.match(call.warnings[0].path, /^value\[\d\]\.incidentId$/);
    assert.equal(call.warnings[0].expected, "integer or string or null");
    assert.equal(call.warnings[0].got, "object");
    for (const step of steps.filter((s) => s.key !== "get_alerts")) assert.deepEqual(step.warnings, []);

    const text = await cli("runs", "show", outcome.runId);
    assert.match(
      text.stdout,
      /^ {3}warning: output\.value\[\d\]\.incidentId: expected integer or string or null, got object$/m,
    );
  });
});
