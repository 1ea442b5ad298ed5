/**
 * The store's database: one Kysely instance over embedded SQLite (node:sqlite), or over
 * PostgreSQL (Kysely's `PostgresDialect` on a `pg` Pool) when given a `postgres://…` URL.
 * Both run the same migrations and the same queries: everything outside `sqlite-driver.ts`,
 * `postgres-pool.ts` and `dialect.ts` is written with Kysely's builders, and the few places
 * where the dialects differ ask `dialectOf(db)`.
 *
 * Open one Database per process and share it: node:sqlite is synchronous, so a second
 * connection to the same file in the same process would block the thread on the first
 * one's lock for the whole busy timeout. Separate processes queue on the lock as they should.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Kysely, PostgresDialect } from "kysely";
import { type Migration, Migrator } from "kysely/migration";
import { checkDatabaseUrl, redactDatabaseUrl } from "./database-url.ts";
import type { Dialect } from "./dialect.ts";
import { migrations } from "./migrations/index.ts";
import type { RampartDb } from "./schema.ts";
import { NodeSqliteDialect } from "./sqlite-driver.ts";

export type { Dialect };

export interface Database {
  db: Kysely<RampartDb>;
  dialect: Dialect;
  dataDir: string;
  close(): Promise<void>;
}

/** Where a process's store lives: the data dir (the master key; SQLite's file) and, for PostgreSQL, its URL. */
export interface StoreLocation {
  dataDir: string;
  /** `postgres://…`; absent: embedded SQLite in the data dir. */
  url?: string;
}

export interface OpenDatabaseOptions {
  /** Folder of the database file and the key file; created owner-only if missing. */
  dataDir: string;
  /**
   * A `postgres://…` URL: the database lives there instead of `<dataDir>/rampart.db` (the data dir
   * still holds the master key). Absent: embedded SQLite.
   */
  url?: string;
  /** PostgreSQL connections kept at most (default 10). */
  poolSize?: number;
  /** How long a writer waits for another process's lock before failing, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) `<dataDir>/rampart.db`, or the PostgreSQL database at `url`, and brings its schema up to date. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options);
  const dataDir = ensureDataDir(options.dataDir);
  const sqlite = openSqliteFile(resolve(dataDir, "rampart.db"), options.busyTimeoutMs);
  const db = new Kysely<RampartDb>({ dialect: new NodeSqliteDialect(sqlite) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: "sqlite", dataDir, close: () => db.destroy() };
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const dataDir = ensureDataDir(options.dataDir);
  // pg (~10 MB loaded) only for a PostgreSQL store.
  const { openPool } = await import("./postgres-pool.ts");
  const db = new Kysely<RampartDb>({
    dialect: new PostgresDialect({ pool: openPool(url, options.poolSize) }),
  });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    // pg's messages name the host and user, never the password; say which database without it either.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open the database ${redactDatabaseUrl(url)}: ${reason}`, { cause: error });
  }
  return { db, dialect: "postgres", dataDir, close: () => db.destroy() };
}

/** The SQLite file with Rampart's settings: WAL, foreign keys, and pages and cache sized for alerts of a few KB. */
export function openSqliteFile(file: string, busyTimeoutMs = 5000): DatabaseSync {
  if (file !== ":memory:") makeOwnerOnly(file);
  const sqlite = new DatabaseSync(file, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true });
  try {
    // Only takes effect while the file is still empty. An alert's OCSF event is a few KB: with 16 KiB
    // pages most fit in one page instead of spilling into overflow chains, which cuts insert time by about a third.
    sqlite.exec("PRAGMA page_size = 16384");
    // WAL lets readers (the UI, `rampart ... list`) run while a worker writes.
    sqlite.exec("PRAGMA journal_mode = WAL");
    sqlite.exec("PRAGMA foreign_keys = ON");
    sqlite.exec("PRAGMA synchronous = NORMAL");
    // 16 MiB of page cache (the default is 2 MiB) keeps the alert indexes' hot pages in memory during a
    // bulk load; 64 MiB held 30-50 MB more at the peak of a 50,000-alert first poll for no speed.
    sqlite.exec("PRAGMA cache_size = -16384");
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return sqlite;
}

/**
 * Creates the database file owner-only, and tightens an existing one and its WAL files: they hold every
 * alert and run record. SQLite gives the -wal and -shm files it creates the main file's mode.
 */
function makeOwnerOnly(file: string): void {
  if (process.platform === "win32") return;
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}

/**
 * Applies every migration not yet applied, all in one transaction (DDL is transactional in SQLite and
 * PostgreSQL). Migrations see the database untyped: each one runs against the schema of its own time.
 */
export async function migrate(db: Kysely<any>, list: Record<string, Migration> = migrations): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => list },
    migrationTableName: "rampart_migration",
    migrationLockTableName: "rampart_migration_lock",
    // Features land in parallel: a database that already has 0003 must still accept a later-merged 0002.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "(setup)";
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration ${failed} failed: ${reason}`, { cause: error });
  }
}

/** `--data-dir`, else `$RAMPART_HOME`, else `./.rampart`; always absolute. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag?.trim() || env.RAMPART_HOME?.trim() || ".rampart";
  return resolve(chosen);
}

/**
 * `--database`, else `$RAMPART_DATABASE_URL`, else none (embedded SQLite); checked, with the error naming
 * where the value came from.
 */
export function resolveDatabaseUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag !== undefined) return checkDatabaseUrl(flag, "--database");
  const fromEnv = env.RAMPART_DATABASE_URL?.trim();
  return fromEnv ? checkDatabaseUrl(fromEnv, "RAMPART_DATABASE_URL") : undefined;
}

/** Creates the data dir owner-only (it holds the key file and every saved credential). */
export function ensureDataDir(dataDir: string): string {
  const absolute = resolve(dataDir);
  const created = mkdirSync(absolute, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask; the folder we created must be owner-only regardless.
  if (created !== undefined && process.platform !== "win32") chmodSync(absolute, 0o700);
  return absolute;
}
