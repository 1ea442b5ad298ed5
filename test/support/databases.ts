/**
 * The databases a store test runs against: embedded SQLite always; PostgreSQL when
 * `RAMPART_TEST_DATABASE_URL` names a server (an admin URL: each test gets a database
 * `rampart_test_<random>` of its own, dropped after). Without the URL the PostgreSQL variants are
 * skipped with the reason shown, so a plain `npm test` on a machine without PostgreSQL passes.
 *
 *   for (const kind of DATABASES) describe(`… (${kind.name})`, { skip: kind.skip }, () => { … });
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, openDatabase } from "../../src/store/database.ts";

export type DatabaseKindName = "sqlite" | "postgres";

export interface DatabaseKind {
  name: DatabaseKindName;
  /** Why this kind is not tested here (false: it is). */
  skip: string | false;
}

const ADMIN_URL = process.env.RAMPART_TEST_DATABASE_URL?.trim() || undefined;

export const DATABASES: readonly DatabaseKind[] = [
  { name: "sqlite", skip: false },
  {
    name: "postgres",
    skip: ADMIN_URL
      ? false
      : "no RAMPART_TEST_DATABASE_URL: set it to a PostgreSQL admin URL to run the PostgreSQL variants",
  },
];

/** An empty database of one kind: its URL (none for SQLite, which lives in the data dir) and how to remove it. */
export interface FreshDatabase {
  kind: DatabaseKindName;
  url: string | undefined;
  /** Opens it over `dataDir` (the key file's folder; SQLite's file too). */
  open(dataDir: string): Promise<Database>;
  /** Drops the PostgreSQL database, closing any connection still on it; nothing for SQLite. */
  drop(): Promise<void>;
}

/** A new empty database of `kind`. */
export async function freshDatabase(kind: DatabaseKindName | DatabaseKind): Promise<FreshDatabase> {
  const name = typeof kind === "string" ? kind : kind.name;
  if (name === "sqlite") {
    return { kind: name, url: undefined, open: (dataDir) => openDatabase({ dataDir }), drop: async () => {} };
  }
  if (!ADMIN_URL) throw new Error("RAMPART_TEST_DATABASE_URL is not set");
  const database = `rampart_test_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${database}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return {
    kind: name,
    url: url.toString(),
    open: (dataDir) => openDatabase({ dataDir, url: url.toString() }),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)),
  };
}

/** Opens a new empty database of `kind` over `dataDir`; closing it also drops it. */
export async function openFreshDatabase(
  kind: DatabaseKindName | DatabaseKind,
  dataDir: string,
): Promise<Database> {
  const fresh = await freshDatabase(kind);
  const database = await fresh.open(dataDir);
  return {
    ...database,
    close: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}

async function admin(fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * For tests that start `rampart` processes: until the returned function is called, every child
 * process started from this one keeps its store in a fresh database of `kind` (through
 * `RAMPART_DATABASE_URL`, as an operator would set it). Nothing changes for SQLite.
 */
export async function databaseForChildProcesses(kind: DatabaseKind): Promise<() => Promise<void>> {
  if (kind.name === "sqlite") return async () => {};
  const fresh = await freshDatabase(kind);
  const previous = process.env.RAMPART_DATABASE_URL;
  process.env.RAMPART_DATABASE_URL = fresh.url;
  return async () => {
    if (previous === undefined) delete process.env.RAMPART_DATABASE_URL;
    else process.env.RAMPART_DATABASE_URL = previous;
    await fresh.drop();
  };
}
