/**
 * Copies an embedded (SQLite) store into an empty PostgreSQL one, row for row, for `rampart migrate`.
 * Values go across as the store holds them (ids, ISO and epoch times, JSON text, the encrypted
 * configs), so nothing is decoded and nothing needs the master key.
 *
 * The source is read in one SQLite read transaction (a WAL snapshot: a process still writing does
 * not tear the copy, and is not blocked); the target is written in one PostgreSQL transaction with
 * every table locked, so a failure or a refusal leaves it as it was.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import { ConflictError } from "../core/errors.ts";
import { dialectOf } from "./dialect.ts";
import type { RampartDb } from "./schema.ts";

/** Every table the migrations create, each before the tables whose foreign keys point at it. */
export const STORE_TABLES = [
  "connections",
  "sources",
  "alerts",
  "alert_versions",
  "alert_triggers",
  "source_inbox",
  "ingest_rejects",
  "playbook_versions",
  "runs",
  "run_steps",
  "webhook_secrets",
  "webhook_deliveries",
  "schedule_firings",
  "users",
  "sessions",
  "api_tokens",
  "audit_log",
] as const satisfies readonly (keyof RampartDb)[];

export type StoreTable = (typeof STORE_TABLES)[number];

// A table added to schema.ts but not above fails to compile here.
const everyTableListed: [Exclude<keyof RampartDb, StoreTable>] extends [never] ? true : never = true;
void everyTableListed;

/** The Migrator's own tables (database.ts `migrate`): each side keeps its own record of what it applied. */
const MIGRATION_TABLES = new Set(["rampart_migration", "rampart_migration_lock"]);

/** At most this many rows per batch: PostgreSQL takes at most 65,535 parameters per statement. */
export const MAX_BATCH_ROWS = 2000;

export interface TableCount {
  table: StoreTable;
  rows: number;
}

export interface CopyOptions {
  /** Rows read from SQLite and inserted into PostgreSQL per statement (default 500). */
  batchSize?: number;
  /** Copy even runs whose lease a process holds now (default: refuse them). */
  force?: boolean;
  /** Names the target in messages (its URL without the password). */
  label: string;
  /** Called after each batch with the table's rows copied so far. */
  onProgress?: (table: StoreTable, rows: number) => void;
  now?: () => Date;
}

export interface CopyReport {
  tables: TableCount[];
  /** Runs a process held a lease on when the snapshot was taken (copied only with `force`). */
  leasedRuns: string[];
}

/**
 * Refuses a target that holds anything: a table Rampart does not create, or a row in one it does.
 * Runs before the migrations, so a database given by mistake is not touched.
 */
export async function assertEmptyTarget(target: Kysely<any>, label: string): Promise<void> {
  const tables = await tablesOf(target);
  const foreign = [...tables.keys()].filter(
    (name) => !MIGRATION_TABLES.has(name) && !(STORE_TABLES as readonly string[]).includes(name),
  );
  if (foreign.length > 0) {
    throw new ConflictError(
      `--to: ${label} is not empty: it has tables Rampart does not create (${foreign.sort().join(", ")}); migrate into a new, empty database`,
      { field: "--to" },
    );
  }
  await assertNoRows(
    target,
    STORE_TABLES.filter((name) => tables.has(name)),
    label,
  );
}

/**
 * Copies every table of `source` (SQLite, brought up to date) into `target` (PostgreSQL, the same
 * migrations applied and nothing in it), then moves the target's identity sequences past the copied ids.
 */
export async function copyToPostgres(
  source: Kysely<RampartDb>,
  target: Kysely<RampartDb>,
  options: CopyOptions,
): Promise<CopyReport> {
  if (dialectOf(source) !== "sqlite" || dialectOf(target) !== "postgres") {
    throw new TypeError("copyToPostgres copies from SQLite to PostgreSQL");
  }
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_ROWS) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_ROWS}`);
  }
  const now = options.now ?? (() => new Date());
  const [from, to] = await Promise.all([tablesOf(source), tablesOf(target)]);
  const columns = matchingColumns(from, to);
  const identities = STORE_TABLES.flatMap((table) =>
    (to.get(table) ?? []).filter((c) => c.isAutoIncrementing).map((c) => ({ table, column: c.name })),
  );

  return source.connection().execute(async (snapshot) => {
    // Deferred: the snapshot is taken at the first read and holds no lock a writer waits for.
    await sql`begin`.execute(snapshot);
    try {
      const leasedRuns = await leasedRunsOf(snapshot, now().toISOString());
      if (leasedRuns.length > 0 && !options.force) {
        throw new ConflictError(
          `the data dir has ${leasedRuns.length} run(s) a process is executing now (${leasedRuns.slice(0, 5).join(", ")}${leasedRuns.length > 5 ? ", …" : ""}): stop rampart serve and any other rampart command using it, then migrate again; --force copies them as they are (they resume on PostgreSQL once their lease expires)`,
          { field: "--force" },
        );
      }
      const tables = await target.transaction().execute(async (trx) => {
        // No other process writes to a table until the copy commits (readers see them empty until then).
        await sql`lock table ${sql.join(STORE_TABLES.map((t) => sql.table(t)))} in exclusive mode`.execute(
          trx,
        );
        // Checked again under the locks: another process may have written since assertEmptyTarget.
        await assertNoRows(trx, STORE_TABLES, options.label);
        const counts: TableCount[] = [];
        for (const table of STORE_TABLES) {
          const rows = await failingAs(`copying ${table}`, options.label, () =>
            copyTable(snapshot, trx, table, columns.get(table)!, batchSize, (n) =>
              options.onProgress?.(table, n),
            ),
          );
          counts.push({ table, rows });
        }
        for (const { table, column } of identities) {
          await failingAs(`moving the id sequence of ${table}`, options.label, () =>
            resetIdentity(snapshot, trx, table, column),
          );
        }
        return counts;
      });
      return { tables, leasedRuns };
    } finally {
      await sql`rollback`.execute(snapshot);
    }
  });
}

/** Reads the table in rowid order, `batchSize` rows at a time, and inserts each batch as it comes. */
async function copyTable(
  source: Kysely<any>,
  target: Transaction<any>,
  table: StoreTable,
  columns: readonly string[],
  batchSize: number,
  progress: (rows: number) => void,
): Promise<number> {
  const rowid = sql<number>`rowid`;
  let after: number | undefined;
  let copied = 0;
  for (;;) {
    let query = source.selectFrom(table).select(rowid.as("_rowid")).select(columns);
    if (after !== undefined) query = query.where(rowid, ">", after);
    const rows = await query.orderBy(rowid).limit(batchSize).execute();
    if (rows.length === 0) break;
    after = rows.at(-1)!._rowid as number;
    await target
      .insertInto(table)
      .values(rows.map((row) => Object.fromEntries(columns.map((c) => [c, row[c]]))))
      .execute();
    copied += rows.length;
    progress(copied);
    if (rows.length < batchSize) break;
  }
  return copied;
}

/**
 * The next id the target hands out: past the highest copied one, and past any SQLite's AUTOINCREMENT
 * already gave out (rows deleted since), so an id is never used twice.
 */
async function resetIdentity(
  source: Kysely<any>,
  target: Transaction<any>,
  table: StoreTable,
  column: string,
): Promise<void> {
  const given = await sql<{ seq: number }>`select seq from sqlite_sequence where name = ${table}`.execute(
    source,
  );
  const issued = Number(given.rows[0]?.seq ?? 0);
  await sql`select setval(pg_get_serial_sequence(${table}, ${column}), greatest(coalesce(max(${sql.ref(column)}), 0), ${issued}) + 1, false) from ${sql.table(table)}`.execute(
    target,
  );
}

async function assertNoRows(db: Kysely<any>, tables: readonly StoreTable[], label: string): Promise<void> {
  const occupied: string[] = [];
  for (const table of tables) {
    const { n } = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    if (Number(n) > 0) occupied.push(`${table} (${n})`);
  }
  if (occupied.length > 0) {
    throw new ConflictError(
      `--to: ${label} is not empty: it has rows in ${occupied.join(", ")}; migrate into a new, empty database (nothing was changed)`,
      { field: "--to" },
    );
  }
}

/** Runs whose lease is still running: a live process executes them and would go on writing to SQLite. */
async function leasedRunsOf(source: Kysely<RampartDb>, now: string): Promise<string[]> {
  const rows = await source
    .selectFrom("runs")
    .select("id")
    .where("owner", "is not", null)
    .where("lease_until", ">", now)
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

type Tables = Map<string, Array<{ name: string; isAutoIncrementing: boolean }>>;

/** The columns of each table, checked to be the same on both sides (both ran the same migrations). */
function matchingColumns(from: Tables, to: Tables): Map<StoreTable, readonly string[]> {
  const unknown = [...from.keys()].filter(
    (name) => !MIGRATION_TABLES.has(name) && !(STORE_TABLES as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new Error(`the data dir's store has tables migrate does not know: ${unknown.join(", ")}`);
  }
  const columns = new Map<StoreTable, readonly string[]>();
  for (const table of STORE_TABLES) {
    const mine = from.get(table)?.map((c) => c.name) ?? [];
    const theirs = new Set(to.get(table)?.map((c) => c.name) ?? []);
    if (mine.length === 0 || mine.length !== theirs.size || mine.some((c) => !theirs.has(c))) {
      throw new Error(
        `table ${table} differs between the data dir and the target (${mine.join(", ")} vs ${[...theirs].join(", ")}): are both on the same Rampart version?`,
      );
    }
    columns.set(table, mine);
  }
  return columns;
}

/** Says what failed; the transaction rolls back as the error leaves it. */
async function failingAs<T>(what: string, label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${what} failed, nothing was written to ${label}: ${reason}`, { cause: error });
  }
}

/** The tables of the database (PostgreSQL: of its current schema), with their columns. */
async function tablesOf(db: Kysely<any>): Promise<Tables> {
  let schema: string | undefined;
  if (dialectOf(db) === "postgres") {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    schema = rows[0]?.schema;
  }
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  return new Map(
    tables
      .filter((t) => !t.isView && (schema === undefined || t.schema === schema))
      .map((t) => [
        t.name,
        t.columns.map((c) => ({ name: c.name, isAutoIncrementing: c.isAutoIncrementing })),
      ]),
  );
}
