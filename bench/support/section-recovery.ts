// Recovery after a `rampart worker` is SIGKILLed mid-run. A run of 40 calls in a row to the HTTP
// simulator (50 ms each) is enqueued; once it has finished three steps, the worker holding it (its
// lease's owner names the pid) is killed; the time is from the kill to another worker recording the
// run's next step attempt (the first step row after the kill, by its recorded start). Each run must
// still finish with no finished step repeated.
//   Same host: two workers; the one holding the run is killed and a fresh one replaces it. A worker
//   sees that a dead owner on its own host is gone (its pid), so the bound is the queue's sweep.
//   Another host: the victim runs under a host name of its own (a UTS namespace), so the survivor
//   cannot check its pid and must wait for the lease (15 s) to lapse, then the sweep: the figure a
//   cluster of several machines sees. Full mode only, and only where `unshare --uts` works.
import { type Cluster, openCluster } from "./cluster.ts";
import { httpChain } from "./playbooks.ts";
import { canRunAsAnotherHost, type WorkerProcess } from "./rampart-workers.ts";
import type { Row, SectionContext } from "./section.ts";
import { median, sleep, until } from "./stats.ts";

const STEPS = 40;
const SWEEP_MS = 2000;
const LEASE_MS = 15_000;
const OTHER_HOST = "rampart-bench-other-host";

const seconds = (n: number) => `${(n / 1000).toFixed(2)} s`;
const spread = (times: number[]) => `min ${seconds(Math.min(...times))}, max ${seconds(Math.max(...times))}`;

export async function recoverySection(ctx: SectionContext, sim: { url: string }): Promise<Row[]> {
  const sameHostRounds = ctx.tiny ? 1 : 10;
  const otherHostRounds = ctx.tiny ? 0 : 3;
  const playbook = httpChain(ctx.root, "long-run", STEPS);
  const cluster = await openCluster(ctx, "recovery", sim.url);
  try {
    await cluster.addWorkers(2);
    const sameHost: number[] = [];
    for (let round = 0; round < sameHostRounds; round++) {
      sameHost.push(await killOnce(cluster, playbook, cluster.workers));
      await cluster.addWorkers(1);
    }
    const rows: Row[] = [
      {
        what: `recovery after SIGKILL mid-run, same host: kill → next step recorded, median of ${sameHostRounds}`,
        ours: seconds(median(sameHost)),
        floor: seconds(SWEEP_MS),
        floorWhat: "the bound on one host: the queue's sweep interval (a dead pid frees its lease at once)",
        note: `${spread(sameHost)}; aim < 30 s; every run finished, no finished step repeated`,
      },
    ];
    if (otherHostRounds === 0) return rows;
    if (!canRunAsAnotherHost()) {
      rows.push({
        what: "recovery after SIGKILL mid-run, another host",
        ours: "skipped",
        floor: "",
        floorWhat: "",
        note: "needs `unshare --uts` (root on Linux) to give the victim a host name of its own",
      });
      return rows;
    }
    const otherHost: number[] = [];
    for (let round = 0; round < otherHostRounds; round++) {
      const [victim] = await cluster.addWorkers(1, { hostname: OTHER_HOST });
      otherHost.push(await killOnce(cluster, playbook, [victim!]));
    }
    rows.push({
      what: `recovery after SIGKILL mid-run, another host: median of ${otherHostRounds}`,
      ours: seconds(median(otherHost)),
      floor: seconds(LEASE_MS + SWEEP_MS),
      floorWhat: "the bound across hosts: the lease plus the sweep interval",
      note: `${spread(otherHost)}; the victim under its own host name (UTS namespace); aim < 30 s`,
    });
    return rows;
  } finally {
    await cluster.close();
  }
}

/**
 * One round: a fresh run is started by one of `candidates` (the other workers are paused until it
 * has been claimed), its holder is killed after three steps; returns the ms until another worker
 * records the run's next step, once the run has finished.
 */
async function killOnce(cluster: Cluster, playbook: string, candidates: WorkerProcess[]): Promise<number> {
  const db = cluster.runtime.database.db;
  const others = cluster.workers.filter((w) => !candidates.includes(w));
  for (const w of others) w.child.kill("SIGSTOP");
  let runId: string;
  try {
    [runId] = (await cluster.enqueue(playbook, 1, 1)) as [string];
    await until(
      "the run's third finished step",
      async () =>
        (await steps(cluster, runId)).filter((s) => s.status === "succeeded").length >= 3 ? true : undefined,
      30_000,
      10,
    );
  } finally {
    for (const w of others) w.child.kill("SIGCONT");
  }
  const run = await db.selectFrom("runs").select(["owner"]).where("id", "=", runId).executeTakeFirstOrThrow();
  const pid = Number(run.owner?.split(":")[1]);
  const victim = candidates.find((w) => w.pid === pid && w.child.exitCode === null);
  if (!victim) throw new Error(`the run's owner ${run.owner} is none of the bench's live workers`);
  const killedAt = Date.now();
  await victim.kill();
  cluster.workers.splice(cluster.workers.indexOf(victim), 1);
  // A statement the victim sent just before dying may still commit: let it, then anything newer is another worker's.
  await sleep(50);
  const before = Math.max(...(await steps(cluster, runId)).map((s) => s.seq));
  const next = await until(
    "another worker to record the run's next step",
    async () => (await steps(cluster, runId)).filter((s) => s.seq > before).sort((a, b) => a.seq - b.seq)[0],
    LEASE_MS + 5 * SWEEP_MS,
    10,
  );
  const recovery = Date.parse(next.started_at) - killedAt;
  const status = await until(
    "the run to finish",
    async () => {
      const { status } = await db
        .selectFrom("runs")
        .select("status")
        .where("id", "=", runId)
        .executeTakeFirstOrThrow();
      return status === "queued" || status === "running" ? undefined : status;
    },
    STEPS * 1000,
    50,
  );
  if (status !== "succeeded") throw new Error(`run ${runId} ended ${status} after the kill`);
  const finished = (await steps(cluster, runId)).filter((s) => s.status === "succeeded");
  if (new Set(finished.map((s) => s.step_key)).size !== finished.length)
    throw new Error(`run ${runId}: a finished step was repeated after the kill`);
  if (finished.length !== STEPS)
    throw new Error(`run ${runId}: ${finished.length} of ${STEPS} steps finished`);
  return recovery;
}

function steps(cluster: Cluster, runId: string) {
  return cluster.runtime.database.db
    .selectFrom("run_steps")
    .select(["seq", "step_key", "status", "started_at"])
    .where("run_id", "=", runId)
    .execute();
}
