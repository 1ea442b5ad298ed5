/**
 * `rampart migrate`: moves a data dir's embedded store into a new PostgreSQL database. Checks the
 * inputs, refuses a target that holds anything before changing it, applies the migrations there,
 * and copies every table (copy-to-postgres.ts). The master key stays where it is: the copied
 * secrets are the same ciphertexts, so every process on the database needs the same key.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Kysely, PostgresDialect, sql } from "kysely";
import { ConnectionError, ValidationError } from "../core/errors.ts";
import { assertEmptyTarget, type CopyReport, copyToPostgres, type StoreTable } from "./copy-to-postgres.ts";
import { migrate, openDatabase } from "./database.ts";
import { checkDatabaseUrl, redactDatabaseUrl } from "./database-url.ts";
import { openPool } from "./postgres-pool.ts";
import type { RampartDb } from "./schema.ts";

export interface MigrateOptions {
  /** The data dir whose `rampart.db` is copied; it must exist. */
  dataDir: string;
  /** The target, `postgres://…`; named `--to` in errors. */
  url: string;
  batchSize?: number;
  force?: boolean;
  onProgress?: (table: StoreTable, rows: number) => void;
}

export interface MigrateReport extends CopyReport {
  /** The SQLite file copied. */
  source: string;
  /** The target's URL without its password. */
  target: string;
}

export async function migrateToPostgres(options: MigrateOptions): Promise<MigrateReport> {
  const url = checkDatabaseUrl(options.url, "--to");
  const label = redactDatabaseUrl(url);
  const file = sourceFileOf(options.dataDir);

  const target = new Kysely<RampartDb>({ dialect: new PostgresDialect({ pool: openPool(url, 2) }) });
  try {
    try {
      await sql`select 1`.execute(target);
    } catch (error) {
      // pg's messages name the host and user, never the password.
      throw new ConnectionError(`--to: cannot connect to ${label}: ${messageOf(error)}`, {
        field: "--to",
        cause: error,
      });
    }
    await assertEmptyTarget(target, label);
    const source = await openDatabase({ dataDir: options.dataDir });
    try {
      try {
        await migrate(target);
      } catch (error) {
        throw new Error(`--to: cannot create Rampart's tables in ${label}: ${messageOf(error)}`, {
          cause: error,
        });
      }
      const report = await copyToPostgres(source.db, target, {
        label,
        batchSize: options.batchSize,
        force: options.force,
        onProgress: options.onProgress,
      });
      return { ...report, source: file, target: label };
    } finally {
      await source.close();
    }
  } finally {
    await target.destroy();
  }
}

/** The data dir's SQLite file, refusing a data dir that is not there or holds no store. */
function sourceFileOf(dataDir: string): string {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new ValidationError(`--data-dir: there is no data dir at ${dataDir}`, { field: "--data-dir" });
  }
  const file = join(dataDir, "rampart.db");
  if (!existsSync(file)) {
    throw new ValidationError(`--data-dir: ${dataDir} holds no embedded store (no rampart.db) to migrate`, {
      field: "--data-dir",
    });
  }
  return file;
}

function messageOf(error: unknown): string {
  const e = error as { message?: unknown; code?: unknown } | null;
  // An AggregateError (every address of a host refused) has an empty message but a code.
  return String(e?.message || e?.code || error);
}
