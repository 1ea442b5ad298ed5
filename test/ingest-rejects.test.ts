import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../src/connectors/thinkst-canary/simulator.ts";
import { rampart } from "./support/rampart-process.ts";

// What a user sees when one record of a source cannot be mapped: the source keeps ingesting, the
// record is counted in the poll's report and listed, raw, by `rampart source rejects`.

let sim: Simulator;
let dataDir: string;
/** A feed entry whose key is blank: no incident can be told by it. */
const blankKey = {
  id: " ",
  description: {
    acknowledged: "False",
    created: "1586249623",
    description: "Telnet Login Attempt",
    logtype: "6001",
  },
  summary: "Telnet Login Attempt",
  updated_time: "1586249623",
};

before(async () => {
  sim = await startCanarySimulator({ seed: 12 });
  const res = await fetch(`${sim.url}/__sim/incidents`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ incidents: [blankKey] }),
  });
  assert.equal(res.status, 200);
  dataDir = mkdtempSync(join(tmpdir(), "rampart-rejects-cli-"));
  const cli = (...args: string[]) => rampart(["--data-dir", dataDir, ...args]);
  const config = JSON.stringify(sim.config);
  assert.equal(
    (await cli("connection", "add", "canary", "--connector", "thinkst-canary", "--config", config)).code,
    0,
  );
  assert.equal((await cli("source", "add", "canary", "--connection", "canary")).code, 0);
});
after(() => sim.close());

const cli = (...args: string[]) => rampart(["--data-dir", dataDir, ...args]);

test("rampart ingest stores the page, counts the reject, points to it, and exits 0", async () => {
  const run = await cli("ingest", "--once");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^SOURCE\s+PAGES\s+NEW\s+UPDATED\s+UNCHANGED\s+REJECTED\s+ERROR$/m);
  assert.match(run.stdout, /^canary\s+1\s+60\s+0\s+0\s+1\s*$/m);
  assert.match(run.stdout, /canary: 1 record\(s\) could not be mapped .* see rampart source rejects canary/);
  const json = JSON.parse((await cli("ingest", "--once", "--json")).stdout);
  assert.deepEqual([json[0].new, json[0].rejected, json[0].error], [0, 0, undefined]);
});

test("rampart source list and source rejects show the record, raw, with its reason", async () => {
  const list = await cli("source", "list");
  assert.match(list.stdout, /^NAME\s+CONNECTOR\s+CONNECTION\s+EVERY\s+ALERTS\s+REJECTED/m);
  assert.match(list.stdout, /^canary\s+thinkst-canary\s+canary\s+1m\s+60\s+1\s/m);
  const table = await cli("source", "rejects", "canary");
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^LAST SEEN\s+TIMES\s+VENDOR ID\s+REASON$/m);
  assert.match(table.stdout, /\s1\s+-\s+ValidationError: the Canary incident has no key/);
  const [reject, ...others] = JSON.parse((await cli("source", "rejects", "canary", "--json")).stdout);
  assert.deepEqual(others, []);
  assert.equal(reject.raw.id, " ");
  assert.deepEqual(reject.raw.description.logtype, "6001");
  assert.equal(reject.source, "canary");
  const unknown = await cli("source", "rejects", "nope");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no source named "nope"/);
  assert.equal((await cli("source", "rejects", "canary", "--limit", "0")).code, 2);
});
