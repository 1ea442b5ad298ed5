// Runs per second with 1, 2 and 4 `rampart worker` processes (concurrency 16 each) on a
// latency-bound playbook: two calls in a row to the HTTP simulator, which answers each after 50 ms;
// and a control, 4 workers × concurrency 4 (1 × 16's run slots spread over four processes), which
// tells what spreading work costs apart from the CPU more run slots need.
// The workers are started and paused, more runs enqueued than they can finish in the window, the
// workers resumed together; the rate is the runs whose recorded end falls in the window (8 s from
// the resume), so neither start-up nor a draining queue counts. Beside the latency-bound ceiling
// (16 runs per worker every 2 × 50 ms) and the ratio to linear (N × the 1-worker rate). The CPU each
// part used in the window says what bounds the rate on this machine.
import { availableParallelism } from "node:os";
import pg from "pg";
import { type Cluster, openCluster } from "./cluster.ts";
import { cpuMeter } from "./cpu.ts";
import { httpChain } from "./playbooks.ts";
import type { Row, SectionContext } from "./section.ts";
import { sleep } from "./stats.ts";

const CALLS = 2;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
/** Runs a second one run slot can do: one run every CALLS × LATENCY_MS. */
const PER_SLOT = 1000 / (CALLS * LATENCY_MS);

interface Setup {
  workers: number;
  concurrency: number;
}

interface Measured extends Setup {
  /** Runs finished in the window. */
  runs: number;
  windowMs: number;
  /** The queue ran dry before the window ended (the rate is then over the time the runs took). */
  drained: boolean;
  perSecond: number;
  cpuMsPerRun: Record<string, number>;
  machineBusy: number | undefined;
}

export async function throughputSection(
  ctx: SectionContext,
  sim: { url: string; pid: number },
): Promise<Row[]> {
  const setups: Setup[] = [1, 2, ...(ctx.tiny ? [] : [4])].map((workers) => ({
    workers,
    concurrency: CONCURRENCY,
  }));
  // The control: 1 × 16's run slots spread over 4 processes. Equal to it when spreading costs nothing.
  if (!ctx.tiny) setups.push({ workers: 4, concurrency: CONCURRENCY / 4 });
  const windowMs = ctx.tiny ? 1500 : 8000;
  const playbook = httpChain(ctx.root, "latency-bound", CALLS);
  const measured: Measured[] = [];
  for (const setup of setups) {
    const slots = setup.workers * setup.concurrency;
    // Enough to outlast the window: the ceiling's worth, or 1.5 × what the 1-worker rate per slot
    // predicts when that is less (enqueuing costs time too).
    const ceiling = slots * PER_SLOT;
    const first = measured[0];
    const expected = first ? Math.min(ceiling, (1.5 * first.perSecond * slots) / CONCURRENCY) : ceiling;
    const runs = Math.ceil((expected * windowMs) / 1000) + slots;
    const cluster = await openCluster(ctx, `throughput_${setup.workers}x${setup.concurrency}`, sim.url);
    try {
      measured.push(await measure(cluster, playbook, setup, runs, windowMs, sim.pid));
    } finally {
      await cluster.close();
    }
  }
  const one = measured[0]!.perSecond;
  return measured.map((m) => {
    const ceiling = m.workers * m.concurrency * PER_SLOT;
    const cpu = Object.entries(m.cpuMsPerRun)
      .map(([part, value]) => `${part} ${value.toFixed(1)}`)
      .join(", ");
    const busy = m.machineBusy === undefined ? "" : `; machine ${(m.machineBusy * 100).toFixed(0)} % busy`;
    // What the CPU alone allows: every core on these parts and nothing else.
    const cpuTotal = Object.values(m.cpuMsPerRun).reduce((a, b) => a + b, 0);
    const cpuBound = `; ${availableParallelism()} cores ÷ ${cpuTotal.toFixed(1)} ms = ${((availableParallelism() * 1000) / cpuTotal).toFixed(0)} runs/s at most`;
    const control = m.concurrency !== CONCURRENCY;
    const versus = control
      ? `${(m.perSecond / one).toFixed(2)}× the 1 × ${CONCURRENCY} rate (same run slots in 4 processes); `
      : m.workers > 1
        ? `${(m.perSecond / (m.workers * one)).toFixed(2)}× linear (aim ≥ 0.8); `
        : "";
    return {
      what: `runs/s, ${m.workers} worker${m.workers > 1 ? "s" : ""} × concurrency ${m.concurrency} (${CALLS} calls of ${LATENCY_MS} ms)`,
      ours: `${m.perSecond.toFixed(0)} runs/s`,
      floor: `${ceiling.toFixed(0)} runs/s`,
      floorWhat: `latency-bound ceiling: ${m.workers * m.concurrency} runs every ${CALLS * LATENCY_MS} ms`,
      note: `${versus}${((m.perSecond / ceiling) * 100).toFixed(0)} % of the ceiling; CPU ms per run: ${cpu}${cpuBound}${busy} (${m.runs} runs in ${(m.windowMs / 1000).toFixed(1)} s${m.drained ? ", queue drained" : ""})`,
    };
  });
}

async function measure(
  cluster: Cluster,
  playbook: string,
  setup: Setup,
  runs: number,
  windowMs: number,
  simPid: number,
): Promise<Measured> {
  // The workers start first and are paused (SIGSTOP) while the runs are enqueued, then resumed
  // together: none starts early, and enqueuing takes no CPU from them.
  const workers = await cluster.addWorkers(setup.workers, { concurrency: setup.concurrency });
  for (const w of workers) w.child.kill("SIGSTOP");
  // PostgreSQL's backends serving this database (workers' pools, pg-boss, the enqueuing side): a
  // local server only; their pids are refreshed while the window runs, as pools open connections.
  const backends: number[] = [];
  const pgClient = new pg.Client({ connectionString: cluster.database.url });
  try {
    await cluster.enqueue(playbook, runs);
    await pgClient.connect();
    const refreshBackends = async () => {
      const { rows } = await pgClient.query(
        "select pid from pg_stat_activity where datname = current_database()",
      );
      for (const { pid } of rows) if (!backends.includes(pid)) backends.push(pid);
    };
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
    let metered: number;
    for (;;) {
      await sleep(Math.min(200, Math.max(0, startedAt + windowMs - Date.now())));
      metered = await finishedCount();
      if (Date.now() >= startedAt + windowMs || metered >= runs) break;
      await refreshBackends();
      meter.sample();
    }
    const cpu = meter.stop();
    const finished = await db
      .selectFrom("runs")
      .select(["status", "finished_at"])
      .where("finished_at", "is not", null)
      .execute();
    const failed = finished.filter((r) => r.status !== "succeeded").length;
    if (failed > 0) throw new Error(`${failed} runs did not succeed`);
    const repeated = await db
      .selectFrom("run_steps")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("attempt", ">", 1)
      .executeTakeFirstOrThrow();
    if (Number(repeated.n) > 0) throw new Error(`${repeated.n} step attempts were repeated`);

    const ends = finished.map((r) => Date.parse(r.finished_at!)).sort((a, b) => a - b);
    const drained = ends.length >= runs;
    const windowEnd = drained ? ends[ends.length - 1]! : startedAt + windowMs;
    const inWindow = ends.filter((t) => t <= windowEnd).length;
    if (inWindow === 0) throw new Error("no run finished in the window");
    const cpuMsPerRun: Record<string, number> = {};
    for (const [part, spent] of Object.entries(cpu.byGroup)) cpuMsPerRun[part] = spent / metered;
    return {
      ...setup,
      runs: inWindow,
      windowMs: windowEnd - startedAt,
      drained,
      perSecond: inWindow / ((windowEnd - startedAt) / 1000),
      cpuMsPerRun,
      machineBusy: cpu.machineBusy,
    };
  } finally {
    for (const w of workers) w.child.kill("SIGCONT");
    await pgClient.end().catch(() => {});
  }
}
