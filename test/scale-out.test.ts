import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { NO_WORK, Runtime } from "../src/app/runtime.ts";
import { IOC_TYPES } from "../src/connectors/dfir-iris/sim/reference-data.ts";
import { startIrisSimulator } from "../src/connectors/dfir-iris/simulator.ts";
import { defaultRegistry } from "../src/connectors/registry.ts";
import type { Simulator } from "../src/connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../src/connectors/thinkst-canary/simulator.ts";
import { type Cluster, startCluster, watchWrites } from "./support/cluster.ts";
import { DATABASES } from "./support/databases.ts";
import type { WorkerProcess } from "./support/worker-process.ts";

// Several `rampart worker` processes on one PostgreSQL database, with the lab's simulators on loopback
// in this process. Every create a playbook makes is answered late: the vendor has acted, its reply is
// held back, and a worker killed (or paused) inside that window leaves a step that may have acted.

const postgres = DATABASES.find((k) => k.name === "postgres")!;

const RUNS = 300;
const MIN_KILLS = 12;
/** How long a vendor holds its reply after acting: the window kills land in. */
const HELD_MS = 250;
const CREATES = ["/incident/acknowledge", "/manage/cases/add", "/case/ioc/add"];
const FINISHED = ["succeeded", "failed", "cancelled"];

interface CanaryState {
  tokens: { admin: string };
  incidents: Array<{
    id: string;
    acknowledged: string;
    acknowledge_requests: number;
    acknowledgements: number;
  }>;
}
interface IrisState {
  cases: Array<{ case_id: number; soc_id: string }>;
  iocs: Array<{ ioc_value: string; cases: number[] }>;
}

async function stateOf<T>(sim: Simulator): Promise<T> {
  return (await (await fetch(`${sim.url}/__sim/state`)).json()) as T;
}

function holdReplies(sim: Simulator): void {
  for (const path of CREATES)
    sim.faults.inject({ fault: { kind: "reply-latency", ms: HELD_MS }, path, times: 0 });
}

const IP_SRC = IOC_TYPES.findIndex(([name]) => name === "ip-src") + 1;

const PLAYBOOK = `
name: answer-incident
inputs:
  type: object
  properties: { incident: { type: string }, soc: { type: string }, ip: { type: string } }
  required: [incident, soc, ip]
outputs:
  case: "=steps.open.output.case_id"
connections:
  canary: { connector: thinkst-canary }
  iris: { connector: dfir-iris }
start: ack
steps:
  ack:
    type: call
    connection: canary
    operation: acknowledgeIncident
    input: { incident: "=inputs.incident" }
    on_success: open
  open:
    type: call
    connection: iris
    operation: createCase
    input:
      case_soc_id: "=inputs.soc"
      case_customer: 1
      case_name: "='Canary ' & inputs.soc"
      case_description: "='Opened by a worker of the cluster'"
    on_success: ioc
  ioc:
    type: call
    connection: iris
    operation: addIoc
    input:
      cid: "=steps.open.output.case_id"
      ioc_type_id: ${IP_SRC}
      ioc_tlp_id: 2
      ioc_value: "=inputs.ip"
`;

/** What starts runs on the cluster without executing any: the API's side of `serve --no-work`. */
function producer(cluster: Cluster): Promise<Runtime> {
  return Runtime.open({
    dataDir: cluster.dataDir,
    databaseUrl: cluster.url,
    registry: defaultRegistry(),
    work: NO_WORK,
    queueSweepMs: 0,
  });
}

async function count(cluster: Cluster, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await cluster.db.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** Resolves once `check` is true, asking every `everyMs`; fails with `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

describe("scale-out: several rampart worker processes on one PostgreSQL database", {
  skip: postgres.skip,
}, () => {
  test("three workers, 300 runs, a random worker SIGKILLed at random moments and restarted: every run finishes once, every side effect happens once", {
    timeout: 300_000,
  }, async (t) => {
    const began = Date.now();
    const cluster = await startCluster(postgres, "scale-out-kills");
    const canary = await startCanarySimulator({ seed: 14 });
    const iris = await startIrisSimulator({ seed: 14 });
    let runtime: Runtime | undefined;
    try {
      await fetch(`${canary.url}/__sim/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ count: RUNS }),
      });
      const incidents = (await stateOf<CanaryState>(canary)).incidents.slice(0, RUNS).map((i) => i.id);
      assert.equal(incidents.length, RUNS);
      await cluster.connect("canary", "thinkst-canary", canary.config);
      await cluster.connect("iris", "dfir-iris", iris.config);
      await watchWrites(cluster.db);
      holdReplies(canary);
      holdReplies(iris);
      const playbook = join(cluster.root, "answer-incident.yaml");
      writeFileSync(playbook, PLAYBOOK);
      runtime = await producer(cluster);
      const workerArgs = ["--queues", "runs", "--concurrency", "8"];
      const workers = await Promise.all([0, 1, 2].map(() => cluster.worker(workerArgs)));

      interface Kill {
        at: number;
        worker: number;
        orphaned: string[];
        recoveredMs?: number;
      }
      const kills: Kill[] = [];
      const runIds: string[] = [];
      // Runs arrive in batches, one before each kill, so every kill lands among runs in flight.
      const batch = Math.ceil(RUNS / MIN_KILLS);
      let released = 0;
      const producing = (async () => {
        for (let i = 0; i < RUNS; i++) {
          while (i >= released) await sleep(10);
          const outcome = await runtime!.enqueue(playbook, {
            inputs: { incident: incidents[i], soc: `scale-out-${i}`, ip: `10.${i >> 8}.${i & 255}.7` },
            connections: { canary: "canary", iris: "iris" },
          });
          runIds.push(outcome.runId);
          await sleep(15);
        }
      })();
      // Awaited below; a failure meanwhile must not count as unhandled.
      producing.catch(() => {});

      /** The time until every run the killed worker held was taken by another worker (or finished). */
      const track = async (kill: Kill, victim: string) => {
        while (kill.orphaned.length > 0) {
          const { rows } = await cluster.db.query<{ owner: string | null; status: string }>(
            "SELECT owner, status FROM runs WHERE id = ANY($1)",
            [kill.orphaned],
          );
          const held = rows.filter(
            (r) => !FINISHED.includes(r.status) && (r.owner === null || r.owner.startsWith(victim)),
          );
          if (held.length === 0) break;
          await sleep(50);
        }
        kill.recoveredMs = Date.now() - kill.at;
      };
      const tracking: Promise<void>[] = [];
      while (released < RUNS || kills.length < MIN_KILLS) {
        released = Math.min(RUNS, released + batch);
        await sleep(300 + Math.random() * 1000);
        // A step whose attempts two deaths ended already is not killed a third time: that is ProcessCrashed, by design.
        const { rows: risky } = await cluster.db.query<{ owner: string }>(
          `SELECT DISTINCT r.owner FROM runs r JOIN run_steps s ON s.run_id = r.id
           WHERE r.status = 'running' AND s.status IN ('interrupted', 'running')
           GROUP BY r.owner, r.id, s.step_key HAVING count(*) >= 2`,
        );
        const candidates = workers
          .map((w, index) => ({ w, index }))
          .filter(({ w }) => !risky.some((r) => r.owner?.startsWith(w.owner)));
        if (candidates.length === 0) continue;
        const { w: victim, index } = candidates[Math.floor(Math.random() * candidates.length)]!;
        const { rows: owned } = await cluster.db.query<{ id: string }>(
          "SELECT id FROM runs WHERE status = 'running' AND owner LIKE $1",
          [`${victim.owner}%`],
        );
        await victim.signal("SIGKILL");
        const kill: Kill = { at: Date.now(), worker: index, orphaned: owned.map((r) => r.id) };
        kills.push(kill);
        tracking.push(track(kill, victim.owner));
        // Restarted as an operator's supervisor would; the next batch waits for it (it takes a couple of seconds to start).
        workers[index] = await cluster.worker(workerArgs);
      }
      await producing;
      // Losses are counted below rather than failing here: the figures are printed either way.
      const deadline = Date.now() + 120_000;
      while (
        Date.now() < deadline &&
        (await count(cluster, "SELECT count(*) AS n FROM runs WHERE status = ANY($1)", [FINISHED])) < RUNS
      )
        await sleep(200);
      await Promise.all(tracking);

      // What Rampart recorded.
      const { rows: runs } = await cluster.db.query<{ id: string; status: string }>(
        "SELECT id, status FROM runs",
      );
      const { rows: finishes } = await cluster.db.query<{ run_id: string; status: string; owner: string }>(
        "SELECT run_id, status, owner FROM scale_out_finishes",
      );
      const { rows: steps } = await cluster.db.query<{
        run_id: string;
        step_key: string;
        attempt: number;
        status: string;
        warnings: string | null;
      }>("SELECT run_id, step_key, attempt, status, warnings FROM run_steps ORDER BY run_id, seq");
      const finishedTimes = new Map<string, number>();
      for (const f of finishes) finishedTimes.set(f.run_id, (finishedTimes.get(f.run_id) ?? 0) + 1);
      const interruptedAck = new Map<string, number>();
      const badSteps: string[] = [];
      /** Runs behind a failed assertion: their writes are printed. */
      const troubled = new Set<string>();
      let interrupted = 0;
      let found = 0;
      for (const runId of runIds) {
        const rows = steps.filter((s) => s.run_id === runId);
        for (const key of ["ack", "open", "ioc"]) {
          const attempts = rows.filter((s) => s.step_key === key);
          const succeeded = attempts.filter((s) => s.status === "succeeded");
          // One success, last; every attempt before it ended by its worker's death.
          if (
            succeeded.length !== 1 ||
            attempts.at(-1)?.status !== "succeeded" ||
            attempts.slice(0, -1).some((s) => s.status !== "interrupted")
          ) {
            badSteps.push(`${runId} ${key}: ${attempts.map((s) => `#${s.attempt} ${s.status}`).join(", ")}`);
            troubled.add(runId);
          }
          interrupted += attempts.length - 1;
          if (key === "ack") interruptedAck.set(runId, attempts.length - 1);
          if (succeeded[0]?.warnings?.includes("found by its key")) found++;
        }
      }

      // What the vendors saw.
      const canaryAfter = await stateOf<CanaryState>(canary);
      const irisAfter = await stateOf<IrisState>(iris);
      const byIncident = new Map(canaryAfter.incidents.map((i) => [i.id, i]));
      const casesBySoc = new Map<string, number>();
      for (const c of irisAfter.cases) casesBySoc.set(c.soc_id, (casesBySoc.get(c.soc_id) ?? 0) + 1);
      const iocsByValue = new Map<string, number>();
      for (const i of irisAfter.iocs) iocsByValue.set(i.ioc_value, (iocsByValue.get(i.ioc_value) ?? 0) + 1);
      let duplicates = 0;
      let missing = 0;
      let resentAcks = 0;
      const unexplained: string[] = [];
      for (const [i, runId] of runIds.entries()) {
        const incident = byIncident.get(incidents[i]!)!;
        const cases = casesBySoc.get(`scale-out-${i}`) ?? 0;
        const iocs = iocsByValue.get(`10.${i >> 8}.${i & 255}.7`) ?? 0;
        for (const made of [incident.acknowledgements, cases, iocs]) {
          if (made > 1) duplicates += made - 1;
          if (made < 1) missing++;
          if (made !== 1) troubled.add(runId);
        }
        // Acknowledging is idempotent, so an interrupted acknowledgement is sent again (it changes nothing
        // the second time); any request beyond those is a finished step repeated.
        const resent = incident.acknowledge_requests - 1;
        resentAcks += Math.max(0, resent);
        if (resent > (interruptedAck.get(runId) ?? 0)) {
          unexplained.push(`${incident.id}: ${incident.acknowledge_requests} requests`);
          troubled.add(runId);
        }
      }
      for (const r of runs) if (r.status !== "succeeded" || finishedTimes.get(r.id) !== 1) troubled.add(r.id);
      const succeeded = runs.filter((r) => r.status === "succeeded").length;
      const repeatedFinishes = [...finishedTimes.values()].filter((n) => n > 1).length;
      const losses = RUNS - succeeded + missing;
      const recoveries = kills.filter((k) => k.orphaned.length > 0).map((k) => k.recoveredMs!);
      const figures =
        `kills ${kills.length}, runs ${RUNS}, duplicates ${duplicates + repeatedFinishes}, losses ${losses}; ` +
        `runs held by a killed worker ${kills.reduce((n, k) => n + k.orphaned.length, 0)}, ` +
        `step attempts interrupted ${interrupted}, creates found instead of made again ${found}, ` +
        `acknowledgements resent after an interruption ${resentAcks}; ` +
        `recovery (kill to every orphaned run taken over) median ${median(recoveries)} ms, max ${Math.max(0, ...recoveries)} ms ` +
        `over ${recoveries.length} kills; ${Math.round((Date.now() - began) / 1000)} s`;
      t.diagnostic(figures);
      for (const k of kills)
        t.diagnostic(`kill worker ${k.worker}: ${k.orphaned.length} runs, recovered in ${k.recoveredMs} ms`);
      // Behind each run a check failed for: every write it got, when and by whom (times from the first kill).
      for (const runId of troubled) {
        const { rows: writes } = await cluster.db.query<{
          step_key: string;
          attempt: number;
          status: string;
          op: string;
          owner: string;
          at: Date;
        }>(
          "SELECT step_key, attempt, status, op, owner, at FROM scale_out_step_writes WHERE run_id = $1 ORDER BY at",
          [runId],
        );
        t.diagnostic(
          `run ${runId}: ${writes.map((w) => `${w.op} ${w.step_key}#${w.attempt} ${w.status} by ${w.owner} at ${w.at.toISOString()}`).join("; ")}`,
        );
      }
      if (troubled.size > 0)
        for (const k of kills) t.diagnostic(`kill at ${new Date(k.at).toISOString()} of worker ${k.worker}`);
      console.log(`scale-out kill test: ${figures}`);

      assert.ok(kills.length >= 10, `only ${kills.length} kills`);
      assert.equal(runs.length, RUNS);
      assert.deepEqual(
        runs.filter((r) => r.status !== "succeeded").map((r) => `${r.id} ${r.status}`),
        [],
        "every run succeeded",
      );
      assert.equal(finishes.length, RUNS, "each run finished by one write");
      assert.equal(repeatedFinishes, 0);
      assert.ok(finishes.every((f) => f.status === "succeeded" && f.owner));
      assert.deepEqual(badSteps, [], "each step succeeded once, after attempts ended only by a death");
      assert.equal(duplicates, 0, "no acknowledgement, case or IOC made twice");
      assert.equal(missing, 0, "every acknowledgement, case and IOC made");
      assert.deepEqual(unexplained, [], "an acknowledgement is sent again only after an interrupted attempt");
      assert.ok(
        canaryAfter.incidents.filter((i) => incidents.includes(i.id)).every((i) => i.acknowledged === "True"),
      );
      assert.ok(interrupted > 0, "some kills landed inside a step");
      assert.ok(Math.max(0, ...recoveries) < 30_000, "a killed worker's runs were taken over within 30 s");
    } finally {
      await runtime?.stop(0);
      await cluster.close();
      await canary.close();
      await iris.close();
    }
  });
  test("two workers on the same sources: one polls at a time, each alert is stored once, the other takes over when the first dies", {
    timeout: 120_000,
  }, async (t) => {
    const cluster = await startCluster(postgres, "scale-out-sources");
    const canary = await startCanarySimulator({ seed: 15 });
    try {
      await fetch(`${canary.url}/__sim/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ count: 900 }),
      });
      const before = await stateOf<CanaryState>(canary);
      await cluster.connect("canary", "thinkst-canary", canary.config);
      await cluster.cli("source", "add", "canary", "--connection", "canary", "--every", "1s");
      const sources = ["--queues", "sources"];
      const first = await cluster.worker(sources);
      const second = await cluster.worker(sources);
      const leads = (w: WorkerProcess) => (w.output().match(/now polls the sources/g) ?? []).length;
      await until("a worker to poll the sources", async () => leads(first) + leads(second) > 0, 20_000, 50);
      const [leader, standby] = leads(first) > 0 ? [first, second] : [second, first];
      await until(
        "the first alerts",
        async () => (await count(cluster, "SELECT count(*) AS n FROM alerts")) > 0,
        20_000,
        50,
      );

      // The console keeps changing while they work: new incidents, and acknowledgements of stored ones.
      const acknowledged: string[] = [];
      let restarted: WorkerProcess | undefined;
      for (let round = 0; round < 6; round++) {
        await fetch(`${canary.url}/__sim/generate`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ count: 40 }),
        });
        for (const incident of before.incidents.slice(round * 10, round * 10 + 10)) {
          const query = new URLSearchParams({ auth_token: before.tokens.admin, incident: incident.id });
          const acked = await fetch(`${canary.url}/api/v1/incident/acknowledge?${query}`, { method: "POST" });
          assert.equal(acked.status, 200);
          acknowledged.push(incident.id);
        }
        if (round === 1) {
          await leader.signal("SIGKILL");
          restarted = await cluster.worker(sources);
        }
        await sleep(600);
      }
      const after = await stateOf<CanaryState>(canary);
      await until(
        "every incident stored with its latest content",
        async () =>
          (await count(cluster, "SELECT count(*) AS n FROM alerts")) === after.incidents.length &&
          (await count(
            cluster,
            "SELECT count(*) AS n FROM alerts WHERE vendor_id = ANY($1) AND status_id = 4",
            [acknowledged],
          )) === acknowledged.length,
        60_000,
      );

      // The alert is its latest content; alert_versions keeps the earlier ones.
      const { rows: alerts } = await cluster.db.query<{
        vendor_id: string;
        version: number;
        earlier: string;
        distinct: string;
        low: number | null;
        high: number | null;
      }>(
        `SELECT a.vendor_id, a.version, count(v.version) AS earlier,
           count(DISTINCT v.content_hash) FILTER (WHERE v.content_hash <> a.content_hash) AS distinct,
           min(v.version) AS low, max(v.version) AS high
         FROM alerts a LEFT JOIN alert_versions v ON v.alert_id = a.id GROUP BY a.id`,
      );
      const stored = new Set(alerts.map((a) => a.vendor_id));
      const contents = alerts.reduce((n, a) => n + a.version, 0);
      const figures = `incidents ${after.incidents.length} (${acknowledged.length} acknowledged while polling); alerts ${alerts.length}, contents stored ${contents} (alert versions)`;
      t.diagnostic(figures);
      console.log(`scale-out sources test: ${figures}`);

      assert.equal(alerts.length, after.incidents.length, "one alert per incident");
      assert.deepEqual(
        after.incidents.filter((i) => !stored.has(i.id)).map((i) => i.id),
        [],
        "every incident stored",
      );
      // Each version is a change the console made: 1..n, each with content of its own; only an
      // acknowledged incident changed, once.
      const wrong = alerts.filter(
        (a) =>
          Number(a.earlier) !== a.version - 1 ||
          Number(a.distinct) !== a.version - 1 ||
          (a.version > 1 && (a.low !== 1 || a.high !== a.version - 1)) ||
          a.version > (acknowledged.includes(a.vendor_id) ? 2 : 1),
      );
      assert.deepEqual(wrong, [], "no version recorded twice, none without a change");
      assert.equal(await count(cluster, "SELECT count(*) AS n FROM ingest_rejects"), 0);
      const { rows: source } = await cluster.db.query<{ last_error: string | null }>(
        "SELECT last_error FROM sources",
      );
      assert.equal(source[0]!.last_error, null);
      // One poller at a time: the first until it died, then the one that was waiting, never the restarted one.
      assert.equal(leads(leader), 1);
      assert.equal(leads(standby), 1, standby.output());
      assert.equal(leads(restarted!), 0, restarted!.output());
    } finally {
      await cluster.close();
      await canary.close();
    }
  });

  test("a worker paused past its lease (SIGSTOP) and woken (SIGCONT) records nothing after another took its run over", {
    timeout: 120_000,
  }, async (t) => {
    const cluster = await startCluster(postgres, "scale-out-stolen");
    const iris = await startIrisSimulator({ seed: 16 });
    let runtime: Runtime | undefined;
    try {
      await cluster.connect("iris", "dfir-iris", iris.config);
      await watchWrites(cluster.db);
      const playbook = join(cluster.root, "open-case.yaml");
      writeFileSync(
        playbook,
        `
name: open-case
inputs:
  type: object
  properties: { soc: { type: string } }
  required: [soc]
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
      case_name: "='Case ' & inputs.soc"
      case_description: "='Opened once, whoever holds the run'"
    on_success: note
  note:
    type: transform
    output: "=steps.open.output.case_id"
`,
      );
      iris.faults.inject({ fault: { kind: "reply-latency", ms: 300 }, path: "/manage/cases/add", times: 0 });
      const take = iris.faults.take.bind(iris.faults);
      let arrived = () => {};
      const reached = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      iris.faults.take = (method, path) => {
        if (path.includes("/manage/cases/add")) arrived();
        return take(method, path);
      };
      runtime = await producer(cluster);
      const lease = ["--queues", "runs", "--lease", "2s"];
      const sleeper = await cluster.worker(lease);
      const { runId } = await runtime.enqueue(playbook, {
        inputs: { soc: "stolen-lease" },
        connections: { iris: "iris" },
      });
      // The case is made at IRIS and its reply held back: the worker stops right there.
      await reached;
      await sleeper.signal("SIGSTOP");
      const stoppedAt = Date.now();
      const taker = await cluster.worker(lease);
      const status = async (id: string) =>
        (await cluster.db.query<{ status: string }>("SELECT status FROM runs WHERE id = $1", [id])).rows[0]
          ?.status;
      await until(
        "the other worker to finish the run",
        async () => (await status(runId)) === "succeeded",
        30_000,
      );
      const pausedMs = Date.now() - stoppedAt;
      const { rows: clock } = await cluster.db.query<{ now: Date }>("SELECT clock_timestamp() AS now");
      await sleeper.signal("SIGCONT");
      // Its held reply arrives and its lease heartbeat fires; give it the time to try to record them.
      await sleep(3000);

      // Only the woken worker is left: it executes a new run, so it was awake and working.
      await taker.signal("SIGTERM");
      const { runId: next } = await runtime.enqueue(playbook, {
        inputs: { soc: "after-waking" },
        connections: { iris: "iris" },
      });
      await until(
        "the woken worker to execute a new run",
        async () => (await status(next)) === "succeeded",
        30_000,
      );

      const { rows: writes } = await cluster.db.query<{
        step_key: string;
        attempt: number;
        status: string;
        op: string;
        owner: string | null;
        at: Date;
      }>(
        "SELECT step_key, attempt, status, op, owner, at FROM scale_out_step_writes WHERE run_id = $1 ORDER BY at",
        [runId],
      );
      const { rows: finishes } = await cluster.db.query<{ run_id: string; owner: string }>(
        "SELECT run_id, owner FROM scale_out_finishes",
      );
      const { rows: steps } = await cluster.db.query<{
        step_key: string;
        attempt: number;
        status: string;
        warnings: string | null;
      }>("SELECT step_key, attempt, status, warnings FROM run_steps WHERE run_id = $1 ORDER BY seq", [runId]);
      const cases = (await stateOf<IrisState>(iris)).cases.filter((c) => c.soc_id === "stolen-lease");
      const bySleeper = writes.filter((w) => w.owner?.startsWith(sleeper.owner));
      t.diagnostic(
        `paused ${pausedMs} ms (lease 2 s); the run's writes: ${writes.map((w) => `${w.op} ${w.step_key}#${w.attempt} ${w.status} by ${w.owner?.startsWith(sleeper.owner) ? "the paused worker" : "the other"}`).join("; ")}`,
      );

      assert.ok(pausedMs > 2000, "paused past the lease");
      assert.deepEqual(
        bySleeper.map((w) => `${w.op} ${w.step_key}#${w.attempt} ${w.status}`),
        ["INSERT open#1 running"],
        "the paused worker recorded only the attempt it began before it was paused",
      );
      assert.ok(bySleeper.every((w) => w.at < clock[0]!.now));
      assert.deepEqual(
        steps.map((s) => `${s.step_key}#${s.attempt} ${s.status}`),
        ["open#1 interrupted", "open#2 succeeded", "note#1 succeeded"],
      );
      assert.match(
        steps[1]!.warnings ?? "",
        /found by its key/,
        "the case the paused attempt made was found, not made again",
      );
      assert.equal(cases.length, 1, "one case at IRIS");
      assert.deepEqual(
        finishes.map((f) => [
          f.run_id,
          f.owner?.startsWith(sleeper.owner)
            ? "paused"
            : f.owner?.startsWith(taker.owner)
              ? "taker"
              : f.owner,
        ]),
        [
          [runId, "taker"],
          [next, "paused"],
        ],
        "the run finished once, by the worker that took it over",
      );
    } finally {
      await runtime?.stop(0);
      await cluster.close();
      await iris.close();
    }
  });
});
