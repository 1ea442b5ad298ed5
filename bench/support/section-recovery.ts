// Recovery after a `rampart worker` is SIGKILLed mid-run: two workers; a run of 40 calls in a row to
// the HTTP simulator (50 ms each) is enqueued; once it has finished three steps, the worker holding
// it (its lease's owner names the pid) is killed; the time is from the kill to the other worker
// recording the run's next step attempt (the first step row after the kill, by its recorded start).
// A fresh worker then replaces the dead one and the next round begins; each run must still finish
// with no finished step repeated. Median over the rounds, beside the bound the design gives on one
// host: the queue's sweep interval (a dead pid on this host frees its lease at once; a worker on
// another host waits for the lease, 15 s, too).
import { type Cluster, openCluster } from "./cluster.ts";
import { httpChain } from "./playbooks.ts";
import type { WorkerProcess } from "./rampart-workers.ts";
import type { Row, SectionContext } from "./section.ts";
import { median, sleep, until } from "./stats.ts";

const STEPS = 40;
const SWEEP_MS = 2000;
const LEASE_MS = 15_000;

export async function recoverySection(ctx: SectionContext, sim: { url: string }): Promise<Row[]> {
  const rounds = ctx.tiny ? 1 : 10;
  const playbook = httpChain(ctx.root, "long-run", STEPS);
  const cluster = await openCluster(ctx, "recovery", sim.url);
  try {
    await cluster.addWorkers(2);
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) times.push(await killOnce(cluster, playbook));
    const s = (n: number) => `${(n / 1000).toFixed(2)} s`;
    return [
      {
        what: `recovery after SIGKILL mid-run: kill → next step recorded, median of ${rounds}`,
        ours: s(median(times)),
        floor: s(SWEEP_MS),
        floorWhat: "design bound on one host: the queue sweep interval (not measured)",
        note: `min ${s(Math.min(...times))}, max ${s(Math.max(...times))}; on another host add the lease (${LEASE_MS / 1000} s); aim < 30 s; no finished step repeated`,
      },
    ];
  } finally {
    await cluster.close();
  }
}

/** One round: kill the worker holding a fresh run mid-way; the ms until the survivor records a step. */
async function killOnce(cluster: Cluster, playbook: string): Promise<number> {
  const db = cluster.runtime.database.db;
  const [runId] = await cluster.enqueue(playbook, 1, 1);
  const steps = () =>
    db
      .selectFrom("run_steps")
      .select(["seq", "step_key", "status", "started_at"])
      .where("run_id", "=", runId!)
      .execute();
  await until(
    "the run's third finished step",
    async () => ((await steps()).filter((s) => s.status === "succeeded").length >= 3 ? true : undefined),
    30_000,
    10,
  );
  const run = await db
    .selectFrom("runs")
    .select(["owner"])
    .where("id", "=", runId!)
    .executeTakeFirstOrThrow();
  const pid = Number(run.owner?.split(":")[1]);
  const victim = cluster.workers.find((w) => w.pid === pid && w.child.exitCode === null);
  if (!victim) throw new Error(`the run's owner ${run.owner} is none of the bench's live workers`);
  const killedAt = Date.now();
  await victim.kill();
  cluster.workers.splice(cluster.workers.indexOf(victim), 1);
  // A statement the victim sent just before dying may still commit: let it, then anything newer is the survivor's.
  await sleep(50);
  const before = Math.max(...(await steps()).map((s) => s.seq));
  const next = await until(
    "another worker to record the run's next step",
    async () => (await steps()).filter((s) => s.seq > before).sort((a, b) => a.seq - b.seq)[0],
    LEASE_MS + 4 * SWEEP_MS,
    10,
  );
  const recovery = Date.parse(next.started_at) - killedAt;
  const replacement: Promise<WorkerProcess[]> = cluster.addWorkers(1);
  await until(
    "the run to finish",
    async () => {
      const { status } = await db
        .selectFrom("runs")
        .select("status")
        .where("id", "=", runId!)
        .executeTakeFirstOrThrow();
      return status === "queued" || status === "running" ? undefined : status;
    },
    STEPS * 1000,
    50,
  ).then((status) => {
    if (status !== "succeeded") throw new Error(`run ${runId} ended ${status} after the kill`);
  });
  await replacement;
  const finished = (await steps()).filter((s) => s.status === "succeeded");
  if (new Set(finished.map((s) => s.step_key)).size !== finished.length)
    throw new Error(`run ${runId}: a finished step was repeated after the kill`);
  if (finished.length !== STEPS)
    throw new Error(`run ${runId}: ${finished.length} of ${STEPS} steps finished`);
  return recovery;
}
