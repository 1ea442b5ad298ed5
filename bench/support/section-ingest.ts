// Ingest alerts per second on PostgreSQL beside SQLite: the real Ingestor's first poll of a Canary
// simulator (in its own process, as a vendor is), every incident new, into a fresh store of each
// kind, each poll in a fresh process of its own so neither inherits the other's warm JIT; the same
// simulator, so the same pages. Beside a raw `pg` floor: the rows the PostgreSQL poll stored,
// inserted again into a fresh database with one multi-row INSERT of 500 rows a transaction.
import { join } from "node:path";
import pg from "pg";
import { vendors } from "../../src/connectors/registry.ts";
import { createClient } from "../../src/connectors/sdk/index.ts";
import { Ingestor } from "../../src/ingest/ingest.ts";
import { INSERT_COLUMNS } from "../../src/store/alerts.ts";
import { openDatabase } from "../../src/store/database.ts";
import { SqlIngestStore } from "../../src/store/ingest-store.ts";
import { SourceStore } from "../../src/store/sources.ts";
import { type Child, runPhase, serveUntilStdinEnds, startChild } from "./child-process.ts";
import { createDatabase } from "./postgres-admin.ts";
import type { Row, SectionContext } from "./section.ts";

const canary = vendors.find((v) => v.connector.name === "thinkst-canary")!;
// The simulator's seed data holds this many incidents before it generates more.
const SEEDED = 60;

interface SimInfo {
  url: string;
  config: Record<string, unknown>;
}

interface PollResult {
  alerts: number;
  seconds: number;
  pages: number;
}

export async function ingestSection(ctx: SectionContext): Promise<Row[]> {
  const incidents = ctx.tiny ? 1_000 : 20_000;
  const sim: Child<SimInfo> = await startChild<SimInfo>(ctx.self, [
    "--child",
    "canary-simulator",
    String(incidents),
  ]);
  const target = await createDatabase(ctx.adminUrl, "ingest");
  const copy = await createDatabase(ctx.adminUrl, "ingest_floor");
  try {
    const simArg = JSON.stringify(sim.info);
    const sqlite = await runPhase<PollResult>(ctx.self, [
      "--child",
      "poll",
      simArg,
      join(ctx.root, "sqlite"),
    ]);
    const postgres = await runPhase<PollResult>(ctx.self, [
      "--child",
      "poll",
      simArg,
      join(ctx.root, "pg"),
      target.url,
    ]);
    for (const [kind, r] of [
      ["SQLite", sqlite],
      ["PostgreSQL", postgres],
    ] as const)
      if (r.alerts !== incidents)
        throw new Error(`${kind}: ${r.alerts} of ${incidents} incidents stored as new`);
    const floor = await insertFloor(target.url, copy.url, join(ctx.root, "pg-floor"));
    const rate = (alerts: number, seconds: number) =>
      `${Math.round(alerts / seconds).toLocaleString("en")} alerts/s`;
    return [
      {
        what: `ingest, first poll of ${incidents.toLocaleString("en")} Canary incidents (PostgreSQL)`,
        ours: rate(postgres.alerts, postgres.seconds),
        floor: rate(sqlite.alerts, sqlite.seconds),
        floorWhat: "the same poll into SQLite, same simulator, same pages",
        note: `${((postgres.seconds / sqlite.seconds) * 100).toFixed(0)} % of SQLite's time; ${postgres.pages} pages`,
      },
      {
        what: "ingest storage floor on PostgreSQL",
        ours: rate(postgres.alerts, postgres.seconds),
        floor: rate(floor.alerts, floor.seconds),
        floorWhat: "raw pg: the stored rows inserted again, one 500-row INSERT a transaction",
        note: "the poll fetches, normalizes, de-duplicates and commits page by page; the floor only inserts",
      },
    ];
  } finally {
    await sim.close();
    await target.drop();
    await copy.drop();
  }
}

/** The simulator's process: seeded, with `count` incidents in all. */
export async function runCanarySimulator(count: number): Promise<void> {
  const sim = await canary.startSimulator({ seed: 7 });
  const res = await fetch(`${sim.url}/__sim/generate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ count: count - SEEDED }),
  });
  if (!res.ok) throw new Error(`generate: HTTP ${res.status}`);
  await res.arrayBuffer();
  serveUntilStdinEnds({ url: sim.url, config: sim.config } satisfies SimInfo, () => sim.close());
}

/** One poll's process: a fresh store (SQLite in `dataDir`, or PostgreSQL at `url`), the source, one poll. */
export async function runPoll(simArg: string, dataDir: string, url: string | undefined): Promise<void> {
  const sim = JSON.parse(simArg) as SimInfo;
  const database = await openDatabase({ dataDir, url });
  await new SourceStore(database.db).add({
    name: "canary",
    connection: "canary",
    connector: "thinkst-canary",
    intervalMs: 60_000,
  });
  const client = createClient(canary.connector, sim.config);
  const ingestor = new Ingestor({
    store: new SqlIngestStore(database.db),
    vendors,
    client: async () => client,
  });
  try {
    const start = performance.now();
    const [report] = await ingestor.once(["canary"]);
    const seconds = (performance.now() - start) / 1000;
    if (!report || report.error) throw new Error(`poll failed: ${JSON.stringify(report?.error)}`);
    process.stdout.write(
      `${JSON.stringify({ alerts: report.new, seconds, pages: report.pages } satisfies PollResult)}\n`,
    );
  } finally {
    await ingestor.close();
    await client.close();
    await database.close();
  }
}

/** The rows in `fromUrl`'s alerts, inserted into a fresh Rampart schema at `toUrl`, 500 rows a statement. */
async function insertFloor(
  fromUrl: string,
  toUrl: string,
  dataDir: string,
): Promise<{ alerts: number; seconds: number }> {
  await (await openDatabase({ dataDir, url: toUrl })).close(); // the same schema and indexes
  const from = new pg.Client({ connectionString: fromUrl });
  const to = new pg.Client({ connectionString: toUrl });
  await from.connect();
  await to.connect();
  try {
    const columns = INSERT_COLUMNS.join(", ");
    const { rows } = await from.query({ text: `select ${columns} from alerts`, rowMode: "array" });
    const start = performance.now();
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      const values = batch
        .map(
          (_, r) => `(${INSERT_COLUMNS.map((_c, c) => `$${r * INSERT_COLUMNS.length + c + 1}`).join(", ")})`,
        )
        .join(", ");
      await to.query("begin");
      await to.query(`insert into alerts (${columns}) values ${values}`, batch.flat());
      await to.query("commit");
    }
    return { alerts: rows.length, seconds: (performance.now() - start) / 1000 };
  } finally {
    await from.end();
    await to.end();
  }
}
