// A section's cluster on PostgreSQL: a fresh database, the enqueuing side composed as `rampart serve
// --no-work` is (it records runs and announces them to pg-boss; it executes nothing), the saved
// connection to the HTTP simulator, and the `rampart worker` processes it starts.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { NO_WORK, Runtime } from "../../src/app/runtime.ts";
import { HTTP_ALIAS } from "./playbooks.ts";
import { type BenchDatabase, createDatabase } from "./postgres-admin.ts";
import { startWorker, startWorkers, stopAll, type WorkerProcess } from "./rampart-workers.ts";
import type { SectionContext } from "./section.ts";

export interface Cluster {
  database: BenchDatabase;
  runtime: Runtime;
  workers: WorkerProcess[];
  /** Starts `n` more workers (concurrency 16 unless told); resolves once each works. */
  addWorkers(n: number, options?: { concurrency?: number; hostname?: string }): Promise<WorkerProcess[]>;
  /** Enqueues `count` runs of `playbook`, `parallel` enqueue calls at a time; returns their ids in order. */
  enqueue(playbook: string, count: number, parallel?: number): Promise<string[]>;
  /** Stops the workers, closes the runtime, drops the database. */
  close(): Promise<void>;
}

export async function openCluster(ctx: SectionContext, label: string, simUrl?: string): Promise<Cluster> {
  const database = await createDatabase(ctx.adminUrl, label);
  const dataDir = join(ctx.root, `data-${label}`);
  const cwd = join(ctx.root, `cwd-${label}`);
  mkdirSync(cwd, { recursive: true });
  let runtime: Runtime;
  try {
    runtime = await Runtime.open({
      dataDir,
      databaseUrl: database.url,
      registry: ctx.registry,
      work: NO_WORK,
    });
    await runtime.start();
    if (simUrl)
      await runtime.connections.add({ name: HTTP_ALIAS, connector: "http", config: { url: simUrl } });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const workers: WorkerProcess[] = [];
  const options = { databaseUrl: database.url, dataDir, cwd };
  const connections: Record<string, string> = simUrl ? { [HTTP_ALIAS]: HTTP_ALIAS } : {};
  return {
    database,
    runtime,
    workers,
    async addWorkers(n, { concurrency = 16, hostname } = {}) {
      const each = { ...options, concurrency, hostname };
      const started = n === 1 ? [await startWorker(each)] : await startWorkers(n, each);
      workers.push(...started);
      return started;
    },
    async enqueue(playbook, count, parallel = 8) {
      const ids: string[] = new Array(count);
      let next = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < count) {
            const i = next++;
            ids[i] = await runtime.startRun(playbook, { connections });
          }
        }),
      );
      return ids;
    },
    async close() {
      await stopAll(workers);
      await runtime.stop(1000);
      await database.drop();
    },
  };
}
