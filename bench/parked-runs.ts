// Runs parked on approvals in one service runtime: the memory they hold, and how fast deciding one
// wakes it, beside the same process before any run existed and beside the engine resuming the run
// directly (no Worker in between), in the same run.
// Run: node bench/parked-runs.ts [runs]   (default 10000)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Runtime } from "../src/app/runtime.ts";
import { defaultRegistry } from "../src/connectors/registry.ts";
import { benchSize, smokeOr } from "./support/smoke.ts";

const RUNS = benchSize(process.argv[2], 10_000, 200);
const WAKES = smokeOr(30, 3);

const ASK = `name: bench-ask
start: ask
steps:
  ask:
    type: approval
    timeout: 1h
    on_success: done
  done:
    type: end
    status: success
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function settle(runtime: Runtime, runIds: Set<string>, statuses: string[]): Promise<void> {
  return new Promise((resolve) => {
    if (runIds.size === 0) resolve();
    const off = runtime.events.subscribe((e) => {
      if (e.type === "run" && statuses.includes(e.status) && runIds.delete(e.runId) && runIds.size === 0) {
        off();
        resolve();
      }
    });
  });
}

const root = mkdtempSync(join(tmpdir(), "rampart-bench-parked-"));
const path = join(root, "ask.yaml");
writeFileSync(path, ASK);
const runtime = await Runtime.open({ dataDir: join(root, "data"), registry: defaultRegistry() });
try {
  await runtime.start();
  global.gc?.();
  const idleRss = process.memoryUsage().rss;
  const started = performance.now();
  const ids: string[] = [];
  const parked = new Set<string>();
  const waiting = settle(runtime, parked, ["waiting"]);
  for (let i = 0; i < RUNS; i++) {
    const id = await runtime.startRun(path);
    ids.push(id);
    parked.add(id);
  }
  await waiting;
  const parkSeconds = (performance.now() - started) / 1000;
  global.gc?.();
  const parkedRss = process.memoryUsage().rss;

  const viaWorker: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < WAKES * 2; i++) {
    const id = ids[i]!;
    const t0 = performance.now();
    if (i % 2 === 0) {
      const done = settle(runtime, new Set([id]), ["succeeded", "failed"]);
      await runtime.runs.decideApproval(id, { approved: true, by: "bench", at: new Date().toISOString() });
      runtime.resumeSoon(id);
      await done;
      viaWorker.push(performance.now() - t0);
    } else {
      await runtime.engine.decide(id, true, "bench");
      direct.push(performance.now() - t0);
    }
  }
  console.log(`| figure (${RUNS.toLocaleString("en")} runs parked on approvals) | Rampart | floor |`);
  console.log("| --- | ---: | ---: |");
  console.log(`| RSS with every run parked | ${mb(parkedRss)} MB | ${mb(idleRss)} MB before any run |`);
  console.log(`| enqueue and park them all | ${(RUNS / parkSeconds).toFixed(0)} runs/s | — |`);
  console.log(
    `| decide one → its run ends (median of ${WAKES}) | ${median(viaWorker).toFixed(1)} ms via the Worker | ${median(direct).toFixed(1)} ms engine.decide in place |`,
  );
  console.log("\naim: at most 150 MB with 10,000 parked, a decision wakes its run in at most 50 ms");
} finally {
  await runtime.stop();
  rmSync(root, { recursive: true, force: true });
}
