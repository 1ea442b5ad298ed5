// Per persisted step on PostgreSQL: the engine's slope between a 1-step and a 40-step chain of no-op
// transforms, every attempt recorded under the run's lease (bench/engine.ts's method), beside raw
// `pg` doing the two writes per step (insert the attempt, then finish it) as prepared statements on
// one connection; and the same engine on SQLite in the same run, for scale.
import { join } from "node:path";
import pg from "pg";
import { ClientPool } from "../../src/connectors/sdk/index.ts";
import { Engine } from "../../src/engine/executor.ts";
import { ConnectorCaller } from "../../src/engine/operation-caller.ts";
import { createScriptRunner } from "../../src/engine/sandbox/index.ts";
import { type Database, openDatabase } from "../../src/store/database.ts";
import { SqlRunStore } from "../../src/store/runs.ts";
import { transformChain } from "./playbooks.ts";
import { createDatabase } from "./postgres-admin.ts";
import { ms, type Row, type SectionContext } from "./section.ts";
import { slope } from "./stats.ts";

const STEPS = 40;

export async function perStepSection(ctx: SectionContext): Promise<Row[]> {
  const rounds = ctx.tiny ? 5 : 60;
  const one = transformChain(ctx.root, 1);
  const many = transformChain(ctx.root, STEPS);
  const target = await createDatabase(ctx.adminUrl, "steps");
  try {
    const onPostgres = await engineSlope(
      await openDatabase({ dataDir: join(ctx.root, "pg"), url: target.url }),
      ctx,
      one,
      many,
      rounds,
    );
    const floor = await pgFloor(target.url, rounds * STEPS);
    const onSqlite = await engineSlope(
      await openDatabase({ dataDir: join(ctx.root, "sqlite") }),
      ctx,
      one,
      many,
      rounds,
    );
    return [
      {
        what: "engine overhead per persisted step (transform, PostgreSQL)",
        ours: ms(onPostgres.perStep, 3),
        floor: ms(floor, 3),
        floorWhat: "raw pg: prepared insert + update per step, one connection",
        note: `aim ≤ 1.2 ms; a run's fixed cost ${ms(onPostgres.fixed, 2)}; on SQLite in this run ${ms(onSqlite.perStep, 3)} per step`,
      },
    ];
  } finally {
    await target.drop();
  }
}

async function engineSlope(
  database: Database,
  ctx: SectionContext,
  one: string,
  many: string,
  rounds: number,
) {
  const clients = new ClientPool({ catalog: ctx.registry, connection: async () => undefined });
  const scripts = createScriptRunner();
  try {
    const engine = new Engine({
      store: new SqlRunStore(database),
      catalog: ctx.registry,
      caller: new ConnectorCaller(clients),
      scripts,
    });
    const run = async (path: string) => {
      const outcome = await engine.start(path);
      if (outcome.status !== "succeeded") throw new Error(`${path}: ${JSON.stringify(outcome.error)}`);
    };
    return await slope(
      () => run(one),
      () => run(many),
      STEPS,
      rounds,
    );
  } finally {
    await scripts.close();
    await clients.close();
    await database.close();
  }
}

/**
 * The persistence floor: the attempt inserted, then finished, into the same `run_steps` table (its
 * indexes and foreign key) of a run the engine recorded, each write a prepared statement awaited in
 * turn as the engine awaits its own. No lease check, no JSON of the step's input.
 */
async function pgFloor(url: string, steps: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const run = (await client.query("select id from runs limit 1")).rows[0] as { id: string } | undefined;
    if (!run) throw new Error("the floor needs a run the engine recorded");
    const insert = {
      name: "floor-insert",
      text: `insert into run_steps (run_id, step_key, attempt, seq, step_id, type, status, input, idempotency_key, started_at)
        values ($1, $2, 1, $3, $4, 'transform', 'running', null, $5, $6)`,
    };
    const finish = {
      name: "floor-finish",
      text: `update run_steps set status = 'succeeded', output = $1, finished_at = $2
        where run_id = $3 and step_key = $4 and attempt = 1`,
    };
    const write = async (i: number) => {
      const key = `floor-${i}`;
      const now = new Date().toISOString();
      await client.query({ ...insert, values: [run.id, key, 1000 + i, key, `k${i}`, now] });
      await client.query({ ...finish, values: [JSON.stringify({ step: i, ok: true }), now, run.id, key] });
    };
    for (let i = 0; i < 200; i++) await write(i); // warm-up: the statements prepared, the pages cached
    const start = performance.now();
    for (let i = 200; i < 200 + steps; i++) await write(i);
    return (performance.now() - start) / steps;
  } finally {
    await client.end();
  }
}
