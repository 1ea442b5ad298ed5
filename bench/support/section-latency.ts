// Enqueue-to-start latency with `rampart worker` processes on pg-boss: the time from the enqueue
// call (what the API's POST /runs and a webhook call: the run recorded `queued`, then announced to
// the queue) to the run's first step starting, read from the step's recorded start. Two idle workers
// (concurrency 16), one run at a time with a random gap, so each figure is a wake-up, not a wait in
// line. Beside a home-made queue on raw `pg` in the same database: INSERT a job row, NOTIFY; a
// listening process claims it (UPDATE … FOR UPDATE SKIP LOCKED) and records its start.
import { join } from "node:path";
import pg from "pg";
import { NO_WORK, Runtime } from "../../src/app/runtime.ts";
import { type Child, serveUntilStdinEnds, startChild } from "./child-process.ts";
import { transformChain } from "./playbooks.ts";
import { createDatabase } from "./postgres-admin.ts";
import { startWorkers, stopAll, type WorkerProcess } from "./rampart-workers.ts";
import { ms, type Row, type SectionContext } from "./section.ts";
import { percentile, sleep, until } from "./stats.ts";

const WARM_UP = 10;
const CHANNEL = "bench_jobs";

/** A gap of 25–50 ms between enqueues: longer than a 1-step run takes, and not in step with any timer. */
const gap = () => sleep(25 + Math.random() * 25);

export async function enqueueLatencySection(ctx: SectionContext): Promise<Row[]> {
  const runs = ctx.tiny ? 20 : 300;
  const target = await createDatabase(ctx.adminUrl, "latency");
  const dataDir = join(ctx.root, "data");
  const playbook = transformChain(ctx.root, 1);
  let runtime: Runtime | undefined;
  let workers: WorkerProcess[] = [];
  let listener: Child<{ ready: true }> | undefined;
  try {
    // The enqueuing side as `rampart serve --no-work` composes it.
    runtime = await Runtime.open({ dataDir, databaseUrl: target.url, registry: ctx.registry, work: NO_WORK });
    await runtime.start();
    workers = await startWorkers(2, { databaseUrl: target.url, dataDir, cwd: ctx.root, concurrency: 16 });
    const enqueued = new Map<string, { at: number; returned: number }>();
    for (let i = 0; i < WARM_UP + runs; i++) {
      const at = Date.now();
      const runId = await runtime.startRun(playbook);
      const returned = Date.now();
      if (i >= WARM_UP) enqueued.set(runId, { at, returned });
      await gap();
    }
    const starts = await firstStepStarts(runtime, [...enqueued.keys()]);
    const latency: number[] = [];
    const call: number[] = [];
    for (const [runId, { at, returned }] of enqueued) {
      latency.push(starts.get(runId)! - at);
      call.push(returned - at);
    }
    await stopAll(workers);
    workers = [];

    listener = await startChild<{ ready: true }>(ctx.self, ["--child", "listener", target.url]);
    const floor = await rawQueueLatency(target.url, runs);
    return [
      {
        what: "enqueue → first step started, p50 (2 idle workers, pg-boss)",
        ours: ms(percentile(latency, 0.5)),
        floor: ms(percentile(floor, 0.5)),
        floorWhat: "raw pg: INSERT job + NOTIFY, a listener claims it (SKIP LOCKED) and records its start",
        note: `aim ≤ 10 ms; the enqueue call itself p50 ${ms(percentile(call, 0.5))}; ${runs} runs`,
      },
      {
        what: "enqueue → first step started, p95",
        ours: ms(percentile(latency, 0.95)),
        floor: ms(percentile(floor, 0.95)),
        floorWhat: "the same raw pg queue",
        note: `max ${ms(Math.max(...latency))} (floor max ${ms(Math.max(...floor))}); timestamps have 1 ms resolution`,
      },
    ];
  } finally {
    await stopAll(workers);
    await listener?.close();
    await runtime?.stop(1000);
    await target.drop();
  }
}

/** Each run's first step's recorded start (epoch ms), once every run has finished. */
async function firstStepStarts(runtime: Runtime, runIds: string[]): Promise<Map<string, number>> {
  const db = runtime.database.db;
  await until(
    "the latency runs to finish",
    async () => {
      const open = await db
        .selectFrom("runs")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "in", ["queued", "running"])
        .executeTakeFirstOrThrow();
      return Number(open.n) === 0 ? true : undefined;
    },
    30_000,
    100,
  );
  const failed = await db.selectFrom("runs").select("id").where("status", "!=", "succeeded").execute();
  if (failed.length > 0) throw new Error(`${failed.length} latency runs did not succeed`);
  const rows = await db
    .selectFrom("run_steps")
    .select(["run_id", (eb) => eb.fn.min("started_at").as("started_at")])
    .where("run_id", "in", runIds)
    .groupBy("run_id")
    .execute();
  const starts = new Map(rows.map((r) => [r.run_id, Date.parse(String(r.started_at))]));
  if (starts.size !== runIds.length) throw new Error(`${runIds.length - starts.size} runs recorded no step`);
  return starts;
}

/** The home-made queue's latencies (ms): enqueue call to the listener's recorded start, one job at a time. */
async function rawQueueLatency(url: string, jobs: number): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const insert = {
      name: "job-insert",
      text: "insert into bench_jobs (enqueued_at) values ($1) returning id",
    };
    const ids: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < WARM_UP + jobs; i++) {
      const at = Date.now();
      const { rows } = await client.query({ ...insert, values: [at] });
      await client.query(`NOTIFY ${CHANNEL}`);
      if (i >= WARM_UP) ids.push({ id: String(rows[0].id), at });
      await gap();
    }
    const started = await until(
      "the listener to start every job",
      async () => {
        const { rows } = await client.query(
          "select id, started_at from bench_jobs where started_at is not null",
        );
        return rows.length === WARM_UP + jobs
          ? new Map(rows.map((r) => [String(r.id), Number(r.started_at)]))
          : undefined;
      },
      10_000,
      50,
    );
    return ids.map(({ id, at }) => started.get(id)! - at);
  } finally {
    await client.end();
  }
}

/** The floor's listening process: on each NOTIFY, claims every waiting job and records when it started. */
export async function runListener(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    "create table if not exists bench_jobs (id bigserial primary key, enqueued_at bigint not null, claimed boolean not null default false, started_at bigint)",
  );
  const claim = {
    name: "job-claim",
    text: `update bench_jobs set claimed = true where id = (
      select id from bench_jobs where not claimed order by id limit 1 for update skip locked) returning id`,
  };
  const start = { name: "job-start", text: "update bench_jobs set started_at = $1 where id = $2" };
  let draining: Promise<void> | undefined;
  let again = false;
  const drain = async () => {
    for (;;) {
      const { rows } = await client.query(claim);
      if (rows.length === 0) return;
      await client.query({ ...start, values: [Date.now(), rows[0].id] });
    }
  };
  client.on("notification", () => {
    if (draining) {
      again = true;
      return;
    }
    draining = (async () => {
      do {
        again = false;
        await drain();
      } while (again);
    })().finally(() => {
      draining = undefined;
    });
  });
  await client.query(`LISTEN ${CHANNEL}`);
  serveUntilStdinEnds({ ready: true }, async () => {
    await draining;
    await client.end();
  });
}
