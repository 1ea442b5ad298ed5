import type { Kysely } from "kysely";
import {
  ConflictError,
  type Connector,
  NotFoundError,
  REDACTED,
  Redactor,
  schemas,
  secretsOf,
  ValidationError,
} from "../connectors/sdk/index.ts";
import type { SavedConnection } from "../engine/bind-connections.ts";
import type { Database } from "./database.ts";
import type { ConnectionsTable, RampartDb } from "./schema.ts";
import type { SecretBox } from "./secrets.ts";

export const CONNECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** What may be shown of a saved connection: its secrets are `[REDACTED]`. */
export interface ConnectionSummary {
  name: string;
  connector: string;
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** A saved connection with its config in clear: for handing to a connector client, never for display. */
export interface ConnectionRecord extends ConnectionSummary {}

/** The connectors a store can validate configs against (a ConnectorRegistry fits). */
export interface ConnectorLookup {
  get(name: string): Connector | undefined;
}

export interface ConnectionStoreOptions {
  database: Pick<Database, "db">;
  connectors: ConnectorLookup;
  secrets: SecretBox;
  /** Source of the created/updated timestamps (tests pass a fixed clock). */
  now?: () => Date;
}

export interface NewConnection {
  name: string;
  connector: string;
  config: unknown;
}

/**
 * Saved connections: a name, its connector, and the connector's config, checked against
 * the connector's connection schema and encrypted whole before it reaches the database.
 */
export class ConnectionStore {
  readonly #db: Kysely<RampartDb>;
  readonly #connectors: ConnectorLookup;
  readonly #secrets: SecretBox;
  readonly #now: () => Date;

  constructor(options: ConnectionStoreOptions) {
    this.#db = options.database.db;
    this.#connectors = options.connectors;
    this.#secrets = options.secrets;
    this.#now = options.now ?? (() => new Date());
  }

  /** Saves a new connection; the name must be free. */
  async add(input: NewConnection): Promise<ConnectionSummary> {
    if (input === null || typeof input !== "object") throw new ValidationError("connection is required");
    const name = checkName(input.name);
    const connector = this.#connector(input.connector);
    const config = checkConfig(connector, input.config);
    const at = this.#now().toISOString();
    await this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom("connections")
        .select("name")
        .where("name", "=", name)
        .executeTakeFirst();
      if (existing) {
        throw new ConflictError(`connection "${name}" already exists; remove it first or update it`, {
          field: "name",
        });
      }
      await trx
        .insertInto("connections")
        .values({
          name,
          connector: connector.name,
          config_encrypted: this.#seal(name, config),
          created_at: at,
          updated_at: at,
        })
        .execute();
    });
    return summarize(connector, { name, connector: connector.name, config, createdAt: at, updatedAt: at });
  }

  /** Every saved connection's name and connector, by name: what binding a playbook's aliases needs (nothing decrypted). */
  async saved(): Promise<SavedConnection[]> {
    return this.#db.selectFrom("connections").select(["name", "connector"]).orderBy("name").execute();
  }

  /** Every saved connection, by name, with secrets redacted. */
  async list(): Promise<ConnectionSummary[]> {
    const rows = await this.#db.selectFrom("connections").selectAll().orderBy("name").execute();
    return rows.map((row) => {
      const record = this.#open(row);
      const connector = this.#connectors.get(row.connector);
      return connector ? summarize(connector, record) : { ...record, config: redactAll(record.config) };
    });
  }

  /**
   * The secret values of every saved connection (fields marked `secret: true`): what must never be
   * written out anywhere, whichever connection's reply or error happens to echo it.
   */
  async secretValues(): Promise<string[]> {
    const rows = await this.#db.selectFrom("connections").selectAll().execute();
    const values = new Set<string>();
    for (const row of rows) {
      const connector = this.#connectors.get(row.connector);
      if (!connector) continue;
      for (const value of secretsOf(connector.connection, this.#open(row).config)) values.add(value);
    }
    return [...values];
  }

  /** One connection with its config decrypted, for building a connector client. */
  async get(name: string): Promise<ConnectionRecord> {
    const row = await this.#db
      .selectFrom("connections")
      .selectAll()
      .where("name", "=", checkName(name))
      .executeTakeFirst();
    if (!row) throw notFound(name);
    return this.#open(row);
  }

  /** One connection as `list` shows it. */
  async describe(name: string): Promise<ConnectionSummary> {
    const record = await this.get(name);
    const connector = this.#connectors.get(record.connector);
    return connector ? summarize(connector, record) : { ...record, config: redactAll(record.config) };
  }

  /** Replaces a connection's config (validated like `add`); its connector stays. */
  async update(name: string, config: unknown): Promise<ConnectionSummary> {
    const checked = checkName(name);
    const at = this.#now().toISOString();
    return await this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("connections")
        .select(["connector", "created_at"])
        .where("name", "=", checked)
        .executeTakeFirst();
      if (!row) throw notFound(checked);
      const connector = this.#connector(row.connector);
      const valid = checkConfig(connector, config);
      await trx
        .updateTable("connections")
        .set({ config_encrypted: this.#seal(checked, valid), updated_at: at })
        .where("name", "=", checked)
        .execute();
      return summarize(connector, {
        name: checked,
        connector: connector.name,
        config: valid,
        createdAt: row.created_at,
        updatedAt: at,
      });
    });
  }

  /** Deletes a connection; removing one that does not exist is a NotFoundError. */
  async remove(name: string): Promise<void> {
    const checked = checkName(name);
    const result = await this.#db.deleteFrom("connections").where("name", "=", checked).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound(checked);
  }

  #connector(name: unknown): Connector {
    if (typeof name !== "string" || name === "") {
      throw new ValidationError("connector is required", { field: "connector" });
    }
    const connector = this.#connectors.get(name);
    if (!connector) {
      throw new ValidationError(`unknown connector "${name}"`, { field: "connector" });
    }
    return connector;
  }

  #seal(name: string, config: Record<string, unknown>): string {
    return this.#secrets.encrypt(JSON.stringify(config), context(name));
  }

  #open(row: ConnectionsTable): ConnectionRecord {
    const config = JSON.parse(this.#secrets.decrypt(row.config_encrypted, context(row.name))) as Record<
      string,
      unknown
    >;
    return {
      name: row.name,
      connector: row.connector,
      config,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

/** Binds each ciphertext to its row, so a value copied to another connection will not decrypt. */
function context(name: string): string {
  return `rampart:connection:${name}`;
}

function checkName(name: unknown): string {
  if (typeof name !== "string" || name === "")
    throw new ValidationError("name is required", { field: "name" });
  if (!CONNECTION_NAME.test(name)) {
    throw new ValidationError(
      `name "${name}" is not a valid connection name: use 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit`,
      { field: "name" },
    );
  }
  return name;
}

function checkConfig(connector: Connector, config: unknown): Record<string, unknown> {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ValidationError("config must be a JSON object", { field: "config" });
  }
  // The validator fills defaults in place: work on a copy so the caller's object is untouched.
  const copy = structuredClone(config) as Record<string, unknown>;
  try {
    return schemas.assert<Record<string, unknown>>(connector.connection, copy, "config");
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // Field paths in a config are relative to it: name them from the config, e.g. `config.url`.
    const field = error.field ? `config.${error.field}` : "config";
    throw new ValidationError(new Redactor(secretsOf(connector.connection, config)).text(error.message), {
      field,
      details: error.details,
    });
  }
}

function summarize(connector: Connector, record: ConnectionRecord): ConnectionSummary {
  const redactor = new Redactor(secretsOf(connector.connection, record.config));
  const config: Record<string, unknown> = {};
  const properties = (connector.connection.properties ?? {}) as Record<string, { secret?: boolean }>;
  for (const [key, value] of Object.entries(record.config)) {
    config[key] = properties[key]?.secret ? REDACTED : value;
  }
  return { ...record, config: redactor.value(config) };
}

/** A connector no longer shipped: its schema is unknown, so show no config values at all. */
function redactAll(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(config).map((key) => [key, REDACTED]));
}

function notFound(name: string): NotFoundError {
  return new NotFoundError(`no connection named "${name}"`, { field: "name" });
}
