import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { startIrisSimulator } from "../src/connectors/dfir-iris/simulator.ts";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../src/connectors/thinkst-canary/simulator.ts";
import { openDatabase } from "../src/store/database.ts";
import { killed, rampart, startUntil } from "./support/rampart-process.ts";

const SHIPPED = resolve(import.meta.dirname, "../playbooks");

interface CanaryState {
  incidents: Array<{ id: string; hash_id: string; src_host: string; acknowledged: string }>;
}
interface IrisState {
  cases: Array<{ case_id: number; soc_id: string }>;
  iocs: Array<{ ioc_id: number; ioc_value: string; cases: number[] }>;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  assert.ok(res.ok, `${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** A data dir with saved Canary and IRIS connections and a Canary source, and a playbooks folder. */
async function workspace(
  canary: Simulator,
  iris: Simulator,
): Promise<{ dataDir: string; playbooks: string }> {
  const root = mkdtempSync(join(tmpdir(), "rampart-triggers-"));
  const dataDir = join(root, "data");
  const playbooks = join(root, "playbooks");
  mkdirSync(playbooks);
  copyFileSync(
    join(SHIPPED, "canary-incident-to-iris.yaml"),
    join(playbooks, "canary-incident-to-iris.yaml"),
  );
  const steps = [
    [
      "connection",
      "add",
      "canary",
      "--connector",
      "thinkst-canary",
      "--config",
      JSON.stringify(canary.config),
    ],
    ["connection", "add", "iris", "--connector", "dfir-iris", "--config", JSON.stringify(iris.config)],
    ["source", "add", "canary", "--connection", "canary"],
  ];
  for (const args of steps) {
    const result = await rampart(["--data-dir", dataDir, ...args]);
    assert.equal(result.code, 0, result.stderr);
  }
  return { dataDir, playbooks };
}

/** What the store holds about triggers: each trigger row with its alert's vendor id, and every run. */
async function stored(dataDir: string) {
  const database = await openDatabase({ dataDir });
  try {
    const triggers = await database.db
      .selectFrom("alert_triggers as t")
      .innerJoin("alerts as a", "a.id", "t.alert_id")
      .select(["t.alert_id", "t.playbook", "t.run_id", "a.vendor_id"])
      .execute();
    const runs = await database.db.selectFrom("runs").select(["id", "status", "alert"]).execute();
    const alerts = await database.db.selectFrom("alerts").select(["id", "vendor_id", "status_id"]).execute();
    const interrupted = await database.db
      .selectFrom("run_steps")
      .select(["run_id", "step_key"])
      .where("status", "=", "interrupted")
      .execute();
    return { triggers, runs, alerts, interrupted };
  } finally {
    await database.close();
  }
}

/** The steps some run has started and not finished. */
async function inFlight(dataDir: string): Promise<string[]> {
  const database = await openDatabase({ dataDir });
  try {
    const rows = await database.db
      .selectFrom("run_steps")
      .select("step_key")
      .where("status", "=", "running")
      .execute();
    return rows.map((r) => String(r.step_key));
  } finally {
    await database.close();
  }
}

/** Runs per Canary incident key, from the alert each run answers. */
function runsPerIncident(runs: Array<{ alert: string | null }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const run of runs) {
    const alert = JSON.parse(run.alert ?? "null") as { raw_data: string } | null;
    assert.ok(alert, "every run here was started by an alert");
    const key = (JSON.parse(alert.raw_data) as { id: string }).id;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe("alert triggers start exactly one run per new matching alert", () => {
  let canary: Simulator;
  let iris: Simulator;
  before(async () => {
    canary = await startCanarySimulator({ seed: 31 });
    iris = await startIrisSimulator({ seed: 31 });
  });
  after(async () => {
    await canary.close();
    await iris.close();
  });

  test("each new unacknowledged incident is filed in IRIS and acknowledged once; nothing runs twice", async () => {
    const { dataDir, playbooks } = await workspace(canary, iris);
    const before = await json<CanaryState>(`${canary.url}/__sim/state`);
    // One incident acknowledged by a person before Rampart sees it: it does not match the trigger.
    const handled = before.incidents.find((i) => i.acknowledged === "False")!;
    await json(`${canary.url}/api/v1/incident/acknowledge`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `auth_token=${(canary.config as { auth_token: string }).auth_token}&incident=${encodeURIComponent(handled.id)}`,
    });
    const open = before.incidents.filter((i) => i.acknowledged === "False" && i.id !== handled.id);
    assert.ok(open.length >= 5, `the simulator serves unacknowledged incidents (${open.length})`);

    const first = await rampart(["--data-dir", dataDir, "ingest", "--once", "--playbooks", playbooks]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(
      first.stdout,
      new RegExp(`canary-incident-to-iris\\s+${open.length}\\s+0\\s+${open.length}\\s+0`),
    );

    let state = await stored(dataDir);
    assert.equal(state.alerts.length, before.incidents.length);
    assert.equal(state.triggers.length, open.length, "one trigger per new unacknowledged incident");
    assert.deepEqual(new Set(state.triggers.map((t) => t.vendor_id)), new Set(open.map((i) => i.id)));
    assert.ok(
      !state.triggers.some((t) => t.vendor_id === handled.id),
      "the acknowledged incident started nothing",
    );
    assert.ok(
      state.triggers.every((t) => t.run_id !== null),
      "every trigger records its run",
    );
    assert.equal(state.runs.length, open.length);
    assert.ok(state.runs.every((r) => r.status === "succeeded"));
    assert.ok([...runsPerIncident(state.runs).values()].every((n) => n === 1));

    // Canary: every incident the playbook answered is acknowledged now.
    const after1 = await json<CanaryState>(`${canary.url}/__sim/state`);
    for (const incident of open) {
      assert.equal(after1.incidents.find((i) => i.id === incident.id)?.acknowledged, "True", incident.id);
    }
    // IRIS: one case per incident (SOC id canary:<hash>), holding the attacker's address as an IOC.
    const irisState = await json<IrisState>(`${iris.url}/__sim/state`);
    const hashes = new Map(after1.incidents.map((i) => [i.id, i.hash_id]));
    for (const incident of open) {
      const cases = irisState.cases.filter((c) => c.soc_id === `canary:${hashes.get(incident.id)}`);
      assert.equal(cases.length, 1, `one case for ${incident.id}`);
      const attacker = incident.src_host;
      // An AWS API key token's hit has no source address: its case holds no IOC.
      if (attacker === "") {
        assert.ok(!irisState.iocs.some((ioc) => ioc.cases.includes(cases[0]!.case_id)), incident.id);
        continue;
      }
      assert.ok(
        irisState.iocs.some((ioc) => ioc.ioc_value === attacker && ioc.cases.includes(cases[0]!.case_id)),
        `the case of ${incident.id} holds IOC ${attacker}`,
      );
    }
    // The Canary asset is on the case, linked to the IOC.
    const caseId = irisState.cases.find((c) => c.soc_id.startsWith("canary:"))!.case_id;
    const assets = await json<{ data: { assets: Array<{ asset_name: string; ioc_links?: unknown[] }> } }>(
      `${iris.url}/case/assets/list?cid=${caseId}`,
      { headers: { authorization: `Bearer ${(iris.config as { api_key: string }).api_key}` } },
    );
    assert.equal(assets.data.assets.length, 1);

    // Ingesting again: the acknowledgements come back as updates, which trigger nothing.
    const again = await rampart(["--data-dir", dataDir, "ingest", "--once", "--playbooks", playbooks]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /no alert triggered a playbook/);
    state = await stored(dataDir);
    assert.equal(state.runs.length, open.length);

    // New incidents: exactly one run each, and they show in `runs list` as ordinary runs.
    await json(`${canary.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"count":3}',
    });
    const third = await rampart(["--data-dir", dataDir, "ingest", "--once", "--playbooks", playbooks]);
    assert.equal(third.code, 0, third.stderr);
    state = await stored(dataDir);
    assert.equal(state.runs.length, open.length + 3);
    assert.ok([...runsPerIncident(state.runs).values()].every((n) => n === 1));
    const list = await rampart(["--data-dir", dataDir, "runs", "list", "--limit", "500", "--json"]);
    const listed = JSON.parse(list.stdout) as Array<{ playbookName: string; status: string }>;
    assert.equal(listed.filter((r) => r.playbookName === "canary-incident-to-iris").length, open.length + 3);
  });

  test("a `when` that fails for an alert marks that trigger errored; the page is stored and other playbooks run", async () => {
    const { dataDir, playbooks } = await workspace(canary, iris);
    // New unacknowledged incidents, so the shipped playbook has alerts to answer beside the failing one.
    await json(`${canary.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"count":2}',
    });
    // Canary titles are words: $number() fails on every one of them.
    writeFileSync(
      join(playbooks, "title-number.yaml"),
      `name: title-number
trigger:
  alert:
    connector: thinkst-canary
    when: $number(finding_info.title) > 3
start: done
steps:
  done:
    type: end
    status: success
`,
    );
    const result = await rampart(["--data-dir", dataDir, "ingest", "--once", "--playbooks", playbooks]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const state = await stored(dataDir);
    assert.ok(state.alerts.length > 0, "the page was stored");
    const database = await openDatabase({ dataDir });
    try {
      const errored = await database.db
        .selectFrom("alert_triggers")
        .select(["playbook", "run_id", "error"])
        .where("playbook", "like", "%title-number.yaml")
        .execute();
      assert.equal(errored.length, state.alerts.length, "one errored trigger per alert");
      for (const row of errored) {
        assert.equal(row.run_id, null);
        assert.match(row.error ?? "", /^trigger\.alert\.when: .*number/i);
      }
    } finally {
      await database.close();
    }
    const shipped = state.triggers.filter((t) => t.playbook.endsWith("canary-incident-to-iris.yaml"));
    assert.ok(shipped.length > 0 && shipped.every((t) => t.run_id !== null), "the other playbook ran");
    // Errored triggers are not pending: the next ingest dispatches nothing for them.
    const again = await rampart(["--data-dir", dataDir, "ingest", "--once", "--playbooks", playbooks]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /no alert triggered a playbook/);
  });

  test("a playbook that does not load stops ingest before any alert is stored", async () => {
    const { dataDir } = await workspace(canary, iris);
    const broken = mkdtempSync(join(tmpdir(), "rampart-broken-"));
    copyFileSync(join(SHIPPED, "canary-incident-to-iris.yaml"), join(broken, "a.yaml"));
    copyFileSync(join(SHIPPED, "canary-incident-to-iris.yaml"), join(broken, "b.yaml"));
    const result = await rampart(["--data-dir", dataDir, "ingest", "--once", "--playbooks", broken]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /b\.yaml:1:1: playbook name "canary-incident-to-iris" is also used by/);
    assert.equal((await stored(dataDir)).alerts.length, 0);
  });
});

describe("a SIGKILLed ingest loses and doubles no triggered run", () => {
  let canary: Simulator;
  let iris: Simulator;
  before(async () => {
    canary = await startCanarySimulator({ seed: 32 });
    iris = await startIrisSimulator({ seed: 32 });
  });
  after(async () => {
    await canary.close();
    await iris.close();
  });

  test("killed while the first run waits on IRIS, the next ingest finishes every trigger exactly once", async () => {
    const { dataDir, playbooks } = await workspace(canary, iris);
    const open = (await json<CanaryState>(`${canary.url}/__sim/state`)).incidents.filter(
      (i) => i.acknowledged === "False",
    );
    // IRIS never answers a read every run makes after opening its case: the first run hangs there.
    await json(`${iris.url}/__sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        fault: { kind: "hang" },
        method: "GET",
        path: "/manage/ioc-types/list",
        times: 0,
      }),
    });
    const args = ["--data-dir", dataDir, "ingest", "--once", "--playbooks", playbooks];
    // The sources' table prints after every page (alerts and triggers) has committed.
    const { child } = await startUntil(args, /^canary\s+\d+\s+\d+/m);
    // Kill only once the first run is inside the read IRIS never answers, not at an earlier step.
    while (!(await inFlight(dataDir)).includes("ioc_types")) await new Promise((r) => setTimeout(r, 50));
    await killed(child);

    let state = await stored(dataDir);
    assert.equal(state.triggers.length, open.length, "every trigger committed with its alert");
    assert.ok(
      state.triggers.every((t) => t.run_id === null),
      "no run id recorded before the kill",
    );
    assert.equal(state.runs.length, 1);
    assert.equal(state.runs[0]!.status, "running");

    await fetch(`${iris.url}/__sim/faults`, { method: "DELETE" });
    const again = await rampart(args);
    assert.equal(again.code, 0, again.stderr + again.stdout);

    state = await stored(dataDir);
    assert.equal(state.runs.length, open.length, "one run per trigger: none lost, none doubled");
    assert.ok(state.runs.every((r) => r.status === "succeeded"));
    assert.ok(state.triggers.every((t) => t.run_id !== null));
    assert.equal(new Set(state.triggers.map((t) => t.run_id)).size, open.length);
    const perIncident = runsPerIncident(state.runs);
    assert.equal(perIncident.size, open.length);
    assert.ok([...perIncident.values()].every((n) => n === 1));
    // The killed run was resumed (its stalled read interrupted and tried again), not started anew.
    assert.deepEqual(
      state.interrupted.map((s) => s.step_key),
      ["ioc_types"],
    );
    // Its case was opened before the kill and replayed afterwards: still one case per incident.
    const irisState = await json<IrisState>(`${iris.url}/__sim/state`);
    const canaryCases = irisState.cases.filter((c) => c.soc_id.startsWith("canary:"));
    assert.equal(canaryCases.length, open.length);
    assert.equal(new Set(canaryCases.map((c) => c.soc_id)).size, open.length);
    const acknowledged = (await json<CanaryState>(`${canary.url}/__sim/state`)).incidents.filter((i) =>
      open.some((o) => o.id === i.id),
    );
    assert.ok(acknowledged.every((i) => i.acknowledged === "True"));

    // Nothing is left: resuming finds no run and no trigger to start.
    const resume = await rampart(["--data-dir", dataDir, "runs", "resume", "--json"]);
    assert.equal(resume.code, 0, resume.stderr);
    assert.deepEqual(JSON.parse(resume.stdout), []);
  });
});
