import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { WalCheckpointer } from "./sqlite-checkpointer.ts";

/**
 * Kysely dialect over Node's built-in `node:sqlite` (no native addon to build).
 * One connection: Kysely's runtime serializes every query and transaction on it,
 * because SqliteAdapter reports `supportsMultipleConnections = false`.
 */
export class NodeSqliteDialect implements Dialect {
  readonly #database: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  createAdapter(): DialectAdapter {
    return new NodeSqliteAdapter();
  }

  createDriver(): Driver {
    return new NodeSqliteDriver(this.#database);
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
}

/**
 * SQLite's DDL is transactional, so the Migrator may run migrations inside one transaction.
 * Ours begin IMMEDIATE (write lock held from the start): that transaction is the migration
 * lock between processes, so two processes opening a fresh database cannot both migrate.
 */
class NodeSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class NodeSqliteDriver implements Driver {
  readonly #database: DatabaseSync;
  readonly #connection: NodeSqliteConnection;
  readonly #checkpointer: WalCheckpointer | undefined;

  constructor(database: DatabaseSync) {
    this.#database = database;
    const file = database.location();
    const wal = file !== null && database.prepare("PRAGMA journal_mode").get()?.journal_mode === "wal";
    this.#checkpointer = wal ? new WalCheckpointer(database, file) : undefined;
    this.#connection = new NodeSqliteConnection(database, this.#checkpointer);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }

  // IMMEDIATE takes the write lock at BEGIN: two processes then queue on the busy
  // timeout instead of one failing at once when its read lock cannot be upgraded.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
    this.#connection.committed();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed COMMIT or a constraint error may already have ended the transaction.
    if (this.#database.isTransaction) await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteIdentifier(name)}`));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    // The checkpointer's connection first, so ours is the last and checkpoints the WAL as it closes.
    await this.#checkpointer?.close();
    if (this.#database.isOpen) this.#database.close();
  }
}

interface Prepared {
  statement: StatementSync;
  /** Yields columns (SELECT, PRAGMA, … RETURNING): read its rows; otherwise report its changes. */
  reads: boolean;
}

// A statement that writes is counted as its values plus about one page, to pace checkpoints.
const WRITE_OVERHEAD_BYTES = 16_384;

class NodeSqliteConnection implements DatabaseConnection {
  readonly #database: DatabaseSync;
  readonly #statements = new Map<string, Prepared>();
  readonly #checkpointer: WalCheckpointer | undefined;
  /** Roughly how much the writes since the last commit stored. */
  #written = 0;

  constructor(database: DatabaseSync, checkpointer: WalCheckpointer | undefined) {
    this.#database = database;
    this.#checkpointer = checkpointer;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const { statement, reads } = this.#prepare(compiled.sql);
    const parameters = compiled.parameters.map(toSqlValue);
    if (reads) return { rows: statement.all(...parameters).map(plainRow) as R[] };
    const { changes, lastInsertRowid } = statement.run(...parameters);
    if (this.#checkpointer && changes > 0) {
      this.#written += WRITE_OVERHEAD_BYTES + bytesOf(parameters);
      if (!this.#database.isTransaction) this.committed();
    }
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const { statement } = this.#prepare(compiled.sql);
    for (const row of statement.iterate(...compiled.parameters.map(toSqlValue))) {
      yield { rows: [plainRow(row as object) as R] };
    }
  }

  /** The writes so far are committed (the transaction's, or one statement's outside any). */
  committed(): void {
    if (this.#written === 0) return;
    this.#checkpointer?.committed(this.#written);
    this.#written = 0;
  }

  #prepare(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (!prepared) {
      const statement = this.#database.prepare(sql);
      prepared = { statement, reads: statement.columns().length > 0 };
      // Queries are built by Kysely, so the set of distinct SQL texts stays small.
      if (this.#statements.size < 500) this.#statements.set(sql, prepared);
    }
    return prepared;
  }
}

function bytesOf(parameters: readonly SQLInputValue[]): number {
  let bytes = 0;
  for (const value of parameters) {
    if (typeof value === "string") bytes += value.length;
    else if (value instanceof Uint8Array) bytes += value.byteLength;
    else bytes += 8;
  }
  return bytes;
}

/** node:sqlite binds only null, numbers, bigints, strings and bytes; booleans become 0/1 as SQLite stores them. */
function toSqlValue(value: unknown): SQLInputValue {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === null || typeof value === "number" || typeof value === "bigint" || typeof value === "string") {
    return value;
  }
  if (value instanceof Uint8Array) return value as SQLInputValue;
  throw new TypeError(`cannot bind a ${value?.constructor?.name ?? typeof value} to a SQLite parameter`);
}

/** node:sqlite rows have a null prototype; callers (and deepEqual) expect ordinary objects. */
function plainRow(row: object): Record<string, unknown> {
  return { ...row };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
