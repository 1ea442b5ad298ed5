import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import {
  type CompiledQuery,
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
 * Kysely dialect over Node's built-in `node:sqlite` (no native addon to build), on one connection.
 * The driver orders the work on it itself (see NodeSqliteDriver), so the adapter tells Kysely it may
 * hand out several handles at once; Kysely's own mutex would serialize every query and defeat the
 * group commit.
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

  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

interface Prepared {
  statement: StatementSync;
  /** Yields columns (SELECT, PRAGMA, … RETURNING): read its rows; otherwise report its changes. */
  reads: boolean;
  /** May change the database: outside a transaction it joins the group commit. */
  writes: boolean;
}

/** Statements that joined the open group commit, settled when its COMMIT is done. */
interface Batch {
  done: Promise<void>;
  settle: (error?: unknown) => void;
  /** Roughly how much its writes stored, to pace checkpoints. */
  written: number;
}

// A statement that writes is counted as its values plus about one page, to pace checkpoints.
const WRITE_OVERHEAD_BYTES = 16_384;
const READ_ONLY = /^\s*(select|pragma|explain)\b/i;
/** A transaction begun or ended by a raw statement (`sql\`begin\``) on a connection Kysely lent out. */
const TRANSACTION_CONTROL = /^\s*(begin|commit|end|rollback)\b/i;

/**
 * One connection shared by every caller, in three modes:
 * - an explicit transaction (or a streamed query) owns the connection until it ends; every other
 *   caller waits, as on any single-connection driver;
 * - a write outside a transaction joins the group commit: the first opens a transaction, the rest
 *   of the event loop's turn adds to it, and one COMMIT ends it. Each write's promise settles only
 *   when that COMMIT is done, so no caller goes on before its write is committed; concurrent runs
 *   then share one commit (one pass of their pages through the WAL) instead of paying one each;
 * - a read outside a transaction runs at once, or, while a group commit is open (it would see the
 *   group's writes), settles with the group.
 * A statement that fails inside the group is undone alone (SQLite's statement rollback) and only its
 * caller sees the error; a failed COMMIT fails every statement of the group.
 */
class NodeSqliteDriver implements Driver {
  readonly #database: DatabaseSync;
  readonly #checkpointer: WalCheckpointer | undefined;
  readonly #statements = new Map<string, Prepared>();
  #owner: Handle | null = null;
  readonly #waiting: Array<() => void> = [];
  #batch: Batch | null = null;
  /** Roughly how much the writes of the open explicit transaction stored. */
  #written = 0;

  constructor(database: DatabaseSync) {
    this.#database = database;
    const file = database.location();
    const wal = file !== null && database.prepare("PRAGMA journal_mode").get()?.journal_mode === "wal";
    this.#checkpointer = wal ? new WalCheckpointer(database, file) : undefined;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Handle(this);
  }

  // IMMEDIATE takes the write lock at BEGIN: two processes then queue on the busy
  // timeout instead of one failing at once when its read lock cannot be upgraded.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#own(connection as Handle);
    try {
      this.#database.exec("begin immediate");
    } catch (error) {
      this.#disown(connection as Handle);
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.#database.exec("commit");
    this.#committed(this.#written);
    this.#written = 0;
    this.#disown(connection as Handle);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.#written = 0;
    try {
      // A failed COMMIT or a constraint error may already have ended the transaction.
      if (this.#database.isTransaction) this.#database.exec("rollback");
    } finally {
      this.#disown(connection as Handle);
    }
  }

  async savepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#database.exec(`savepoint ${quoteIdentifier(name)}`);
  }

  async rollbackToSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#database.exec(`rollback to ${quoteIdentifier(name)}`);
  }

  async releaseSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#database.exec(`release ${quoteIdentifier(name)}`);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    // A transaction Kysely ended without commit or rollback (it does not): give the connection back.
    if (this.#owner === connection && !this.#database.isTransaction) this.#disown(connection as Handle);
  }

  async destroy(): Promise<void> {
    if (this.#batch) this.#commitBatch(this.#batch);
    // The checkpointer's connection first, so ours is the last and checkpoints the WAL as it closes.
    await this.#checkpointer?.close();
    if (this.#database.isOpen) this.#database.close();
  }

  async executeQuery<R>(handle: Handle, compiled: CompiledQuery): Promise<QueryResult<R>> {
    const prepared = this.#prepare(compiled.sql);
    const parameters = compiled.parameters.map(toSqlValue);
    const control = TRANSACTION_CONTROL.exec(compiled.sql)?.[1]?.toLowerCase();
    // A COMMIT or ROLLBACK from a caller with no transaction of its own would end the group's.
    if (control !== undefined && (control === "begin" || this.#owner === handle))
      return this.#control<R>(handle, control === "begin", prepared, parameters);
    if (control !== undefined)
      throw new Error(`${control.toUpperCase()} outside a transaction begun on this connection`);
    if (this.#owner === handle) {
      if (prepared.writes) this.#written += WRITE_OVERHEAD_BYTES + bytesOf(parameters);
      return run<R>(prepared, parameters);
    }
    while (this.#owner !== null) await this.#turn();
    if (!prepared.writes && this.#batch === null) return run<R>(prepared, parameters);
    const batch = this.#batch ?? this.#openBatch();
    let result: QueryResult<R>;
    try {
      result = run<R>(prepared, parameters);
    } catch (error) {
      // Some errors (a full disk, an I/O error) roll the whole transaction back, not one statement.
      if (!this.#database.isTransaction) this.#abandonBatch(batch, error);
      throw error;
    }
    if (prepared.writes) batch.written += WRITE_OVERHEAD_BYTES + bytesOf(parameters);
    await batch.done;
    return result;
  }

  async *streamQuery<R>(handle: Handle, compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const owned = this.#owner === handle;
    if (!owned) await this.#own(handle);
    try {
      const { statement } = this.#prepare(compiled.sql);
      for (const row of statement.iterate(...compiled.parameters.map(toSqlValue))) {
        yield { rows: [plainRow(row as object) as R] };
      }
    } finally {
      if (!owned) this.#disown(handle);
    }
  }

  // A raw BEGIN makes its caller the owner until a raw COMMIT or ROLLBACK ends the transaction.
  async #control<R>(
    handle: Handle,
    begins: boolean,
    prepared: Prepared,
    parameters: SQLInputValue[],
  ): Promise<QueryResult<R>> {
    if (begins && this.#owner !== handle) await this.#own(handle);
    try {
      return run<R>(prepared, parameters);
    } finally {
      if (!this.#database.isTransaction) {
        this.#committed(this.#written);
        this.#written = 0;
        this.#disown(handle);
      }
    }
  }

  /** Waits until no one owns the connection, ends any open group commit, and takes it. */
  async #own(handle: Handle): Promise<void> {
    while (this.#owner !== null && this.#owner !== handle) await this.#turn();
    if (this.#batch) this.#commitBatch(this.#batch);
    this.#owner = handle;
  }

  #disown(handle: Handle): void {
    if (this.#owner !== handle) return;
    this.#owner = null;
    // Everyone re-checks: the first to run may take the connection again, the rest wait once more.
    for (const wake of this.#waiting.splice(0)) wake();
  }

  #turn(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #openBatch(): Batch {
    this.#database.exec("begin immediate");
    let settle!: (error?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Callers that joined after a failed statement still await it; nobody may be left unhandled.
    done.catch(() => {});
    const batch: Batch = { done, settle, written: 0 };
    this.#batch = batch;
    setImmediate(() => this.#commitBatch(batch));
    return batch;
  }

  #commitBatch(batch: Batch): void {
    if (this.#batch !== batch) return;
    this.#batch = null;
    try {
      this.#database.exec("commit");
    } catch (error) {
      if (this.#database.isTransaction) this.#database.exec("rollback");
      batch.settle(error);
      return;
    }
    this.#committed(batch.written);
    batch.settle();
  }

  #abandonBatch(batch: Batch, error: unknown): void {
    if (this.#batch !== batch) return;
    this.#batch = null;
    batch.settle(error);
  }

  #committed(written: number): void {
    if (written > 0) this.#checkpointer?.committed(written);
  }

  #prepare(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (!prepared) {
      const statement = this.#database.prepare(sql);
      prepared = { statement, reads: statement.columns().length > 0, writes: !READ_ONLY.test(sql) };
      // Queries are built by Kysely, so the set of distinct SQL texts stays small.
      if (this.#statements.size < 500) this.#statements.set(sql, prepared);
    }
    return prepared;
  }
}

/** What Kysely holds while it runs a query or a transaction: a name for the caller, nothing more. */
class Handle implements DatabaseConnection {
  readonly #driver: NodeSqliteDriver;

  constructor(driver: NodeSqliteDriver) {
    this.#driver = driver;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return this.#driver.executeQuery(this, compiled);
  }

  streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    return this.#driver.streamQuery(this, compiled);
  }
}

function run<R>(prepared: Prepared, parameters: SQLInputValue[]): QueryResult<R> {
  if (prepared.reads) return { rows: prepared.statement.all(...parameters).map(plainRow) as R[] };
  const { changes, lastInsertRowid } = prepared.statement.run(...parameters);
  return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
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
