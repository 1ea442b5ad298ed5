// Runs per second with 1, 2 and 4 `rampart worker` processes (concurrency 16 each) on a
// latency-bound playbook: two calls in a row to the HTTP simulator, which answers each after 50 ms.
// The workers are started and paused, the runs enqueued, the workers resumed together; the rate is
// 90 % of the runs over the time from the resume to the 90th percentile's recorded end, so neither
// start-up nor the queue's tail counts. Beside the latency-bound ceiling (16 runs per worker
// every 2 × 50 ms) and the ratio to linear (N × the 1-worker rate). The CPU each part used in the
// window says what bounds the rate on this machine.
import pg from "pg";
import { type Cluster, openCluster } from "./cluster.ts";
import { cpuMeter } from "./cpu.ts";
import { httpChain } from "./playbooks.ts";
import type { Row, SectionContext } from "./section.ts";
import { sleep } from "./stats.ts";

const CALLS = 2;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const CEILING_PER_WORKER = CONCURRENCY / ((CALLS * LATENCY_MS) / 1000);

interface Measured {
  workers: number;
  runs: number;
  perSecond: number;
  cpuMsPerRun: Record<string, number>;
  machineBusy: number | undefined;
}

export async function throughputSection(
  ctx: SectionContext,
  sim: { url: string; pid: number },
): Promise<Row[]> {
  const counts = ctx.tiny ? [1, 2] : [1, 2, 4];
  // Seconds of work at the ceiling.
  const seconds = ctx.tiny ? 0.5 : 8;
  const playbook = httpChain(ctx.root, "latency-bound", CALLS);
  const measured: Measured[] = [];
  for (const n of counts) {
    const cluster = await openCluster(ctx, `throughput_${n}`, sim.url);
    try {
      const runs = Math.round(n * CEILING_PER_WORKER * seconds);
      measured.push(await measure(cluster, playbook, n, runs, sim.pid));
    } finally {
      await cluster.close();
    }
  }
  const one = measured[0]!.perSecond;
  return measured.map((m) => {
    const ceiling = m.workers * CEILING_PER_WORKER;
    const linear = m.perSecond / (m.workers * one);
    const cpu = Object.entries(m.cpuMsPerRun)
      .map(([part, value]) => `${part} ${value.toFixed(1)}`)
      .join(", ");
    const busy = m.machineBusy === undefined ? "" : `; machine ${(m.machineBusy * 100).toFixed(0)} % busy`;
    return {
      what: `runs/s, ${m.workers} worker${m.workers > 1 ? "s" : ""} × concurrency ${CONCURRENCY} (${CALLS} calls of ${LATENCY_MS} ms)`,
      ours: `${m.perSecond.toFixed(0)} runs/s`,
      floor: `${ceiling.toFixed(0)} runs/s`,
      floorWhat: "latency-bound ceiling: 16 runs per worker every 100 ms",
      note: `${m.workers > 1 ? `${linear.toFixed(2)}× linear (aim ≥ 0.8); ` : ""}${((m.perSecond / ceiling) * 100).toFixed(0)} % of the ceiling; CPU ms per run: ${cpu}${busy} (${m.runs} runs)`,
    };
  });
}

async function measure(
  cluster: Cluster,
  playbook: string,
  n: number,
  runs: number,
  simPid: number,
): Promise<Measured> {
  // The workers start first and are paused (SIGSTOP) while the runs are enqueued, then resumed
  // together: none starts early, and enqueuing takes no CPU from them.
  const workers = await cluster.addWorkers(n, CONCURRENCY);
  for (const w of workers) w.child.kill("SIGSTOP");
  const ids = await cluster.enqueue(playbook, runs);
  // PostgreSQL's backends serving this database (workers' pools, pg-boss, the listener): a local
  // server only; their pids are refreshed while the window runs, as pools open connections.
  const backends: number[] = [];
  const pgClient = new pg.Client({ connectionString: cluster.database.url });
  await pgClient.connect();
  const refreshBackends = async () => {
    const { rows } = await pgClient.query(
      "select pid from pg_stat_activity where datname = current_database()",
    );
    for (const { pid } of rows) if (!backends.includes(pid)) backends.push(pid);
  };
  try {
    await refreshBackends();
    const meter = cpuMeter({
      workers: () => workers.map((w) => w.pid),
      postgres: () => backends,
      simulator: () => [simPid],
    });
    const startedAt = Date.now();
    for (const w of workers) w.child.kill("SIGCONT");
    const db = cluster.runtime.database.db;
    const finishedCount = async () =>
      Number(
        (
          await db
            .selectFrom("runs")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where("finished_at", "is not", null)
            .executeTakeFirstOrThrow()
        ).n,
      );
    let cpu: ReturnType<typeof meter.stop> | undefined;
    let meteredRuns = 0;
    const deadline = Date.now() + Math.max(60_000, (runs / 20) * 1000);
    for (;;) {
      const done = await finishedCount();
      if (!cpu && done >= runs * 0.9) {
        cpu = meter.stop();
        meteredRuns = done;
      }
      if (done >= runs) break;
      if (Date.now() > deadline) throw new Error(`only ${done} of ${runs} runs finished in time`);
      await refreshBackends();
      meter.sample();
      await sleep(200);
    }
    const rows = await db.selectFrom("runs").select(["status", "finished_at"]).execute();
    const notSucceeded = rows.filter((r) => r.status !== "succeeded").length;
    if (notSucceeded > 0) throw new Error(`${notSucceeded} of ${runs} runs did not succeed`);
    const repeated = await db
      .selectFrom("run_steps")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("attempt", ">", 1)
      .executeTakeFirstOrThrow();
    if (Number(repeated.n) > 0) throw new Error(`${repeated.n} step attempts were repeated`);
    if (ids.length !== rows.length) throw new Error(`${rows.length} runs recorded, ${ids.length} enqueued`);

    const ends = rows.map((r) => Date.parse(r.finished_at!)).sort((a, b) => a - b);
    const counted = Math.ceil(runs * 0.9);
    const perSecond = counted / ((ends[counted - 1]! - startedAt) / 1000);
    const cpuMsPerRun: Record<string, number> = {};
    for (const [part, spent] of Object.entries(cpu!.byGroup)) cpuMsPerRun[part] = spent / meteredRuns;
    return { workers: n, runs, perSecond, cpuMsPerRun, machineBusy: cpu!.machineBusy };
  } finally {
    for (const w of workers) w.child.kill("SIGCONT");
    await pgClient.end();
  }
}
