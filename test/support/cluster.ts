import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type DatabaseKind, freshDatabase } from "./databases.ts";
import { rampart } from "./rampart-process.ts";
import { startWorker, type WorkerProcess } from "./worker-process.ts";

/**
 * One cluster for a multi-process test: a fresh PostgreSQL database, the data dir every process
 * shares (the master key), an empty playbooks folder (so no process loads the repository's), a
 * client to look at the database, and the workers started on it.
 */
export interface Cluster {
  url: string;
  dataDir: string;
  root: string;
  /** `--data-dir … --database …`, before a command. */
  args: string[];
  /** A pool on the cluster's database, for the test's own queries. */
  db: pg.Pool;
  workers: WorkerProcess[];
  /** Starts a `rampart worker` on the cluster (with `--playbooks` pointing at the empty folder). */
  worker(workerArgs?: string[]): Promise<WorkerProcess>;
  /** `rampart <args>` on the cluster; fails the test when it exits non-zero. */
  cli(...args: string[]): Promise<string>;
  /** Saves a connection (the vendor's client retries nothing, so every request is the step's own). */
  connect(alias: string, connector: string, config: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster(kind: DatabaseKind, name: string): Promise<Cluster> {
  const fresh = await freshDatabase(kind);
  const url = fresh.url!;
  const root = mkdtempSync(join(tmpdir(), `rampart-${name}-`));
  const dataDir = join(root, "data");
  const playbooks = join(root, "playbooks");
  mkdirSync(playbooks);
  const args = ["--data-dir", dataDir, "--database", url];
  const db = new pg.Pool({ connectionString: url, max: 4 });
  const workers: WorkerProcess[] = [];
  const cli = async (...command: string[]) => {
    const done = await rampart([...args, ...command]);
    assert.equal(done.code, 0, `rampart ${command.join(" ")}: ${done.stderr}`);
    return done.stdout;
  };
  return {
    url,
    dataDir,
    root,
    args,
    db,
    workers,
    async worker(workerArgs = []) {
      const started = await startWorker(args, ["--playbooks", playbooks, ...workerArgs]);
      workers.push(started);
      return started;
    },
    cli,
    async connect(alias, connector, config) {
      await cli(
        "connection",
        "add",
        alias,
        "--connector",
        connector,
        "--config",
        JSON.stringify({ ...config, max_attempts: 1 }),
      );
    },
    async close() {
      for (const worker of workers) await worker.signal("SIGKILL");
      await db.end().catch(() => {});
      await fresh.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Records, from inside PostgreSQL, every write that finishes a run (with the owner that held it) and
 * every step write (with the run's owner and lease epoch at that moment): what the tests count as
 * "finished once" and "recorded nothing". Needs the migrated schema (run a command first).
 */
export async function watchWrites(db: pg.Pool): Promise<void> {
  await db.query(`
    CREATE TABLE scale_out_finishes (
      run_id text NOT NULL, status text NOT NULL, owner text, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE scale_out_step_writes (
      run_id text NOT NULL, step_key text NOT NULL, attempt integer NOT NULL, status text NOT NULL,
      op text NOT NULL, owner text, epoch bigint, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE FUNCTION scale_out_finish() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status IN ('succeeded', 'failed', 'cancelled') THEN
        INSERT INTO scale_out_finishes (run_id, status, owner) VALUES (NEW.id, NEW.status, OLD.owner);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER scale_out_finish AFTER UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION scale_out_finish();
    CREATE FUNCTION scale_out_step_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO scale_out_step_writes (run_id, step_key, attempt, status, op, owner, epoch)
        SELECT NEW.run_id, NEW.step_key, NEW.attempt, NEW.status, TG_OP, r.owner, r.lease_epoch
        FROM runs r WHERE r.id = NEW.run_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER scale_out_step_write AFTER INSERT OR UPDATE ON run_steps
      FOR EACH ROW EXECUTE FUNCTION scale_out_step_write();
  `);
}
