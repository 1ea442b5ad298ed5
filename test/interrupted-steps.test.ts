import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { startAbuseIpdbSimulator } from "../src/connectors/abuseipdb/simulator.ts";
import { dfirIris } from "../src/connectors/dfir-iris/connector.ts";
import { IOC_TYPES } from "../src/connectors/dfir-iris/sim/reference-data.ts";
import { startIrisSimulator } from "../src/connectors/dfir-iris/simulator.ts";
import { ConnectorClient } from "../src/connectors/sdk/index.ts";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { thinkstCanary } from "../src/connectors/thinkst-canary/connector.ts";
import { normalizeCanaryIncident } from "../src/connectors/thinkst-canary/normalize.ts";
import { startCanarySimulator } from "../src/connectors/thinkst-canary/simulator.ts";
import { openDatabase } from "../src/store/database.ts";
import { SqlRunStore } from "../src/store/runs.ts";
import { RAMPART, rampart } from "./support/rampart-process.ts";

// Every create a playbook makes is answered late: IRIS (or Canary) has acted, the reply is held back,
// and the process is SIGKILLed inside that window. Each lane is one data dir with its own simulators;
// each process of a lane starts one new run, resumes the lane's orphans beside it, and is killed.

/** How long a held reply waits after the vendor acted: the window a kill lands in. */
const HELD_MS = 120;
/** Kills per lane; lanes run side by side. */
const KILLS_PER_LANE = 13;
const ROOT = resolve(import.meta.dirname, "..");
const PLAYBOOKS = {
  canary: join(ROOT, "playbooks/canary-incident-to-iris.yaml"),
  abuse: join(ROOT, "playbooks/canary-incident-abuseipdb-to-iris.yaml"),
};
const CREATES = [
  "/manage/cases/add",
  "/case/ioc/add",
  "/case/assets/add",
  "/case/timeline/events/add",
  "/incident/acknowledge",
];

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "rampart-interrupted-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

interface Lane {
  name: string;
  dataDir: string;
  iris: Simulator;
  sims: Simulator[];
  /** The n-th held reply of this lane calls `onHeld`. */
  onHeld?: () => void;
  kills: number;
  processes: number;
}

/** Starts a lane's simulators with every create answered late, and saves its connections. */
async function lane(name: string, abuse: boolean): Promise<Lane> {
  const iris = await startIrisSimulator({ seed: 4 });
  const canary = await startCanarySimulator({ seed: 4 });
  const sims = [iris, canary];
  const configs: Record<string, [string, unknown]> = {
    iris: ["dfir-iris", iris.config],
    canary: ["thinkst-canary", canary.config],
  };
  if (abuse) {
    const abuseipdb = await startAbuseIpdbSimulator({ seed: 4 });
    sims.push(abuseipdb);
    configs.abuseipdb = ["abuseipdb", abuseipdb.config];
  }
  const dataDir = join(root, name);
  const self: Lane = { name, dataDir, iris, sims, kills: 0, processes: 0 };
  for (const sim of [iris, canary]) {
    for (const path of CREATES)
      sim.faults.inject({ fault: { kind: "reply-latency", ms: HELD_MS }, path, times: 0 });
    const take = sim.faults.take.bind(sim.faults);
    sim.faults.take = (method, path) => {
      const fault = take(method, path);
      if (fault?.kind === "reply-latency") self.onHeld?.();
      return fault;
    };
  }
  for (const [alias, [connector, config]] of Object.entries(configs)) {
    const added = await rampart([
      "--data-dir",
      dataDir,
      "connection",
      "add",
      alias,
      "--connector",
      connector,
      "--config",
      JSON.stringify({ ...(config as object), max_attempts: 1 }),
    ]);
    assert.equal(added.code, 0, added.stderr);
  }
  return self;
}

/** Runs `rampart` and SIGKILLs it a random moment into the `nth` held reply; resolves when it is gone. */
function runKilled(
  target: Lane,
  args: string[],
  nth: number | undefined,
): Promise<{ killed: boolean; output: string }> {
  return new Promise((done, fail) => {
    const child: ChildProcess = spawn(RAMPART, ["--data-dir", target.dataDir, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr!.on("data", (chunk) => {
      output += chunk;
    });
    target.processes++;
    let held = 0;
    let killed = false;
    target.onHeld =
      nth === undefined
        ? undefined
        : () => {
            if (++held !== nth || killed) return;
            killed = true;
            // Inside the window: the vendor acted (the handler runs as the request arrives), no reply yet.
            setTimeout(() => child.kill("SIGKILL"), 5 + Math.floor(Math.random() * (HELD_MS - 20)));
          };
    child.on("error", fail);
    child.on("exit", () => {
      target.onHeld = undefined;
      if (killed) target.kills++;
      done({ killed, output });
    });
  });
}

/** The lane's runs with their steps, and the most interrupted attempts one step of an unfinished run has. */
async function lanesRuns(target: Lane) {
  const database = await openDatabase({ dataDir: target.dataDir });
  try {
    const store = new SqlRunStore(database);
    const runs = await store.listRuns({ limit: 1000 });
    let worst = 0;
    const steps = new Map<string, Awaited<ReturnType<SqlRunStore["steps"]>>>();
    for (const run of runs) {
      const rows = await store.steps(run.id);
      steps.set(run.id, rows);
      const byKey = new Map<string, number>();
      for (const row of rows) {
        // A row still running is an attempt the next start marks interrupted.
        if (row.status === "interrupted" || row.status === "running")
          byKey.set(row.key, (byKey.get(row.key) ?? 0) + 1);
      }
      if (run.status === "running") worst = Math.max(worst, ...byKey.values(), 0);
    }
    return { runs, steps, worst };
  } finally {
    await database.close();
  }
}

/** Objects of every IRIS case, counted by their natural key: entries above 1 are duplicates. */
async function duplicatesIn(iris: Simulator) {
  const client = new ConnectorClient(dfirIris, iris.config);
  const counts = { cases: 0, iocs: 0, assets: 0, events: 0 };
  const made = { cases: 0, iocs: 0, assets: 0, events: 0 };
  const twice: string[] = [];
  const tally = (kind: keyof typeof counts, keys: string[]) => {
    const seen = new Map<string, number>();
    for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
    made[kind] += seen.size;
    for (const [key, n] of seen) {
      counts[kind] += n - 1;
      if (n > 1) twice.push(`${kind} ${key} ×${n}`);
    }
  };
  const cases = (await client.call("listCases", {})).output as Array<{
    case_id: number;
    case_soc_id: string;
  }>;
  const ours = cases.filter((c) => c.case_id !== 1);
  tally(
    "cases",
    ours.map((c) => c.case_soc_id),
  );
  for (const c of ours) {
    if (ours.filter((o) => o.case_soc_id === c.case_soc_id).length > 1)
      twice.push(`case ${JSON.stringify(c)}`);
    const iocs = (await client.call("listIocs", { cid: c.case_id })).output as {
      ioc: Array<{ ioc_value: string; ioc_type_id: number }>;
    };
    tally(
      "iocs",
      iocs.ioc.map((i) => `${i.ioc_type_id}:${i.ioc_value}`),
    );
    const assets = (await client.call("listAssets", { cid: c.case_id })).output as {
      assets: Array<{ asset_name: string; asset_type_id: number }>;
    };
    tally(
      "assets",
      assets.assets.map((a) => `${a.asset_type_id}:${a.asset_name}`),
    );
    const events = (await client.call("listTimelineEvents", { cid: c.case_id })).output as {
      timeline: Array<{ event_title: string; event_date: string; event_raw?: string }>;
    };
    tally(
      "events",
      events.timeline.map((e) => `${e.event_title}\0${e.event_date}\0${e.event_raw ?? ""}`),
    );
  }
  await client.close();
  const socIds = ours
    .filter((c) => ours.filter((o) => o.case_soc_id === c.case_soc_id).length > 1)
    .map((c) => c.case_soc_id);
  return { duplicates: counts, made, twice, socIds };
}

/** The lane's Canary incidents as the normalizer makes them: the alerts the shipped playbooks answer. */
async function alertsOf(target: Lane): Promise<Array<Record<string, unknown>>> {
  const canary = target.sims[1]!;
  const client = new ConnectorClient(thinkstCanary, canary.config);
  const feed = (await client.call("listUnacknowledgedIncidents", {})).output as { incidents: unknown[] };
  await client.close();
  return feed.incidents.map((i) => normalizeCanaryIncident(i as never) as Record<string, unknown>);
}

const attackerOf = (alert: Record<string, unknown>) =>
  (alert.evidences as Array<{ src_endpoint?: { ip?: string } }> | undefined)?.[0]?.src_endpoint?.ip;
const deviceNameOf = (alert: Record<string, unknown>) =>
  (alert.device as { name?: string } | undefined)?.name;

const FOREACH = `
name: bulk-iris
inputs:
  type: object
  properties: { soc: { type: string }, n: { type: integer }, ioc_type: { type: integer } }
  required: [soc, n, ioc_type]
connections:
  iris: { connector: dfir-iris }
start: open
steps:
  open:
    type: call
    connection: iris
    operation: createCase
    input:
      case_soc_id: "=inputs.soc"
      case_customer: 1
      case_name: "='Bulk ' & inputs.soc"
      case_description: "='Many objects at once'"
    on_success: each
  each:
    type: foreach
    items: "=[1..inputs.n]"
    concurrency: 20
    start: ioc
    steps:
      ioc:
        type: call
        connection: iris
        operation: addIoc
        input:
          cid: "=steps.open.output.case_id"
          ioc_type_id: "=inputs.ioc_type"
          ioc_tlp_id: 2
          ioc_value: "='10.77.0.' & item"
        on_success: asset
      asset:
        type: call
        connection: iris
        operation: addAsset
        input:
          cid: "=steps.open.output.case_id"
          asset_name: "='host-' & item"
          asset_type_id: 3
          ioc_links: ["=steps.ioc.output.ioc_id"]
        on_success: event
      event:
        type: call
        connection: iris
        operation: addTimelineEvent
        input:
          cid: "=steps.open.output.case_id"
          event_title: "='seen on host-' & item"
          event_date: "2026-11-13T10:31:59"
          event_category_id: 4
          event_assets: ["=steps.asset.output.asset_id"]
`;

test("runs SIGKILLed while the vendor holds its reply resume without acting twice", {
  timeout: 240_000,
}, async (t) => {
  const bulk = join(root, "bulk-iris.yaml");
  writeFileSync(bulk, FOREACH);
  const ipSrc = IOC_TYPES.findIndex(([name]) => name === "ip-src") + 1;
  const lanes = await Promise.all([
    lane("canary-a", false),
    lane("canary-b", false),
    lane("abuse", true),
    lane("bulk", false),
  ]);
  try {
    const work = lanes.map(async (target) => {
      // The AbuseIPDB playbook answers incidents with an attacker's address on a named Canary only.
      const alerts = (target.name === "bulk" ? [] : await alertsOf(target)).filter(
        (a) => target.name !== "abuse" || (attackerOf(a) !== undefined && deviceNameOf(a) !== undefined),
      );
      const binds =
        target.name === "abuse"
          ? [
              "--connection",
              "iris=iris",
              "--connection",
              "canary=canary",
              "--connection",
              "abuseipdb=abuseipdb",
            ]
          : ["--connection", "iris=iris", "--connection", "canary=canary"];
      // Each run answers an alert of its own: answering one twice adds its timeline events twice, by design.
      for (let n = 0; target.kills < KILLS_PER_LANE && n < 18; n++) {
        // A step interrupted twice is not killed a third time: that would be ProcessCrashed, by design.
        const { worst } = await lanesRuns(target);
        const args =
          target.name === "bulk"
            ? [
                "run",
                bulk,
                "--connection",
                "iris=iris",
                "--input",
                JSON.stringify({ soc: `bulk-${n}`, n: 30, ioc_type: ipSrc }),
              ]
            : [
                "run",
                target.name === "abuse" ? PLAYBOOKS.abuse : PLAYBOOKS.canary,
                ...binds,
                "--alert",
                JSON.stringify(alerts[n]),
              ];
        const nth =
          worst >= 2 ? undefined : 1 + Math.floor(Math.random() * (target.name === "bulk" ? 30 : 2));
        await runKilled(target, args, nth);
      }
      const resumed = await rampart(["--data-dir", target.dataDir, "runs", "resume", "--json"]);
      assert.equal(resumed.code, 0, resumed.stderr);
      return lanesRuns(target);
    });
    const results = await Promise.all(work);
    const kills = lanes.reduce((sum, l) => sum + l.kills, 0);
    const totals = { cases: 0, iocs: 0, assets: 0, events: 0 };
    const made = { cases: 0, iocs: 0, assets: 0, events: 0 };
    const duplicated = new Set<string>();
    for (const target of lanes) {
      const found = await duplicatesIn(target.iris);
      for (const line of found.twice) t.diagnostic(`${target.name}: duplicate ${line}`);
      for (const soc of found.socIds) duplicated.add(`${target.name}:${soc}`);
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) {
        totals[k] += found.duplicates[k];
        made[k] += found.made[k];
      }
    }
    // For a duplicate, every attempt that could have made it: which run, which process, what it saw.
    for (const [index, { runs, steps }] of results.entries()) {
      for (const run of runs)
        for (const row of steps.get(run.id) ?? []) {
          const soc = (row.input as { case_soc_id?: string } | null)?.case_soc_id;
          if (row.stepId !== "create_case" && row.stepId !== "open") continue;
          if (!soc || !duplicated.has(`${lanes[index]!.name}:${soc}`)) continue;
          t.diagnostic(
            `${lanes[index]!.name} run ${run.id} ${row.key}#${row.attempt} ${row.status} ${row.startedAt}→${row.finishedAt} ${row.error?.type ?? ""} ${row.warnings.map((w) => w.got).join("; ")}`,
          );
        }
    }
    const failed: string[] = [];
    let found = 0;
    for (const [index, { runs, steps }] of results.entries()) {
      for (const run of runs) {
        const rows = steps.get(run.id) ?? [];
        found += rows.filter((r) => r.warnings.some((w) => /found by its key/.test(w.got))).length;
        if (run.status !== "succeeded") {
          const last = rows.filter((r) => r.error).at(-1);
          failed.push(
            `${lanes[index]!.name} ${run.playbookName} ${run.status}: ${last?.key} ${last?.error?.type} ${last?.error?.message}`,
          );
        }
      }
    }
    const runCount = results.reduce((sum, r) => sum + r.runs.length, 0);
    for (const l of lanes) t.diagnostic(`lane ${l.name}: ${l.processes} processes, ${l.kills} killed`);
    t.diagnostic(
      `kills ${kills}, runs ${runCount}, objects found instead of made again ${found}; made ${JSON.stringify(made)}; duplicates ${JSON.stringify(totals)}`,
    );
    assert.deepEqual(failed, [], "no run fails because of its own earlier attempt");
    assert.ok(kills >= 50, `only ${kills} kills landed`);
    assert.deepEqual(totals, { cases: 0, iocs: 0, assets: 0, events: 0 });
    assert.ok(found > 0, "some interrupted creates were found, not made again");
  } finally {
    for (const target of lanes) for (const sim of target.sims) await sim.close();
  }
});

const TASK = (retry: boolean) => `
name: task-${retry ? "resent" : "once"}
inputs:
  type: object
  properties: { title: { type: string } }
  required: [title]
outputs:
  task: "=steps.task.output.id"
  refused: "=steps.task.error.type"
connections:
  iris: { connector: dfir-iris }
start: task
steps:
  task:
    type: call
    connection: iris
    operation: addTask
    input: { cid: 1, task_title: "=inputs.title", task_status_id: 1 }
    retry: { max_attempts: 3, backoff: { initial: 10ms } }
${retry ? "    retry_interrupted: true\n" : ""}    on_failure: noted
  noted:
    type: transform
    output: "=steps.task.error.message"
`;

test("an interrupted call with no key to look by fails with InterruptedError, or is resent with retry_interrupted", async () => {
  const target = await lane("tasks", false);
  try {
    const outcomes: Record<string, { status: string; outputs: { task?: number; refused?: string } }> = {};
    for (const retry of [false, true]) {
      const playbook = join(root, `task-${retry}.yaml`);
      writeFileSync(playbook, TASK(retry));
      target.sims[0]!.faults.inject({
        fault: { kind: "reply-latency", ms: 2_000 },
        path: "/case/tasks/add",
        times: 1,
      });
      const title = retry ? "resent task" : "task made once";
      const first = await runKilled(
        target,
        ["run", playbook, "--connection", "iris=iris", "--input", JSON.stringify({ title })],
        1,
      );
      assert.ok(first.killed, first.output);
      const resumed = await rampart(["--data-dir", target.dataDir, "runs", "resume", "--json"]);
      assert.equal(resumed.code, 0, resumed.stderr);
      const [outcome] = JSON.parse(resumed.stdout) as Array<(typeof outcomes)[string]>;
      outcomes[title] = outcome!;
    }
    // Not retried although the step allows 3 attempts: resending could act twice.
    assert.equal(outcomes["task made once"]!.status, "succeeded");
    assert.equal(outcomes["task made once"]!.outputs.refused, "InterruptedError");
    assert.equal(outcomes["resent task"]!.status, "succeeded");
    assert.equal(typeof outcomes["resent task"]!.outputs.task, "number");

    const client = new ConnectorClient(dfirIris, target.iris.config);
    const tasks = (await client.call("listTasks", { cid: 1 })).output as {
      tasks: Array<{ task_title: string }>;
    };
    await client.close();
    const count = (title: string) => tasks.tasks.filter((t) => t.task_title === title).length;
    assert.equal(count("task made once"), 1, "the interrupted attempt made it; it was not made again");
    assert.equal(count("resent task"), 2, "retry_interrupted sends it again, knowing it may act twice");
  } finally {
    for (const sim of target.sims) await sim.close();
  }
});

const CASE = `
name: one-case
connections:
  iris: { connector: dfir-iris }
start: open
steps:
  open:
    type: call
    connection: iris
    operation: createCase
    input:
      case_soc_id: soc-marked-then-killed
      case_customer: 1
      case_name: Marked interrupted, then killed
      case_description: The process died between two attempts
`;

test("an attempt marked interrupted by a process that died before the next one still looks before it sends", async () => {
  const target = await lane("marked", false);
  try {
    const playbook = join(root, "one-case.yaml");
    writeFileSync(playbook, CASE);
    const first = await runKilled(target, ["run", playbook, "--connection", "iris=iris"], 1);
    assert.ok(first.killed, first.output);
    // What a second process leaves when it dies right after marking the attempt interrupted.
    const database = await openDatabase({ dataDir: target.dataDir });
    try {
      const store = new SqlRunStore(database);
      const [run] = await store.listRuns({ limit: 1 });
      const [row] = await store.steps(run!.id);
      assert.equal(row!.status, "running");
      await store.finishStep(run!.id, row!.key, row!.attempt, {
        status: "interrupted",
        error: { type: "Interrupted", message: "the process stopped during this attempt", retryable: true },
        finishedAt: new Date().toISOString(),
      });
    } finally {
      await database.close();
    }
    const resumed = await rampart(["--data-dir", target.dataDir, "runs", "resume", "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const [outcome] = JSON.parse(resumed.stdout) as Array<{ status: string }>;
    assert.equal(outcome!.status, "succeeded");
    const { duplicates, made } = await duplicatesIn(target.iris);
    assert.equal(made.cases, 1);
    assert.equal(duplicates.cases, 0, "the case the first attempt made was found, not made again");
  } finally {
    for (const sim of target.sims) await sim.close();
  }
});
