import { type ClientOptions, type ConnectorClient, createClient } from "./client.ts";
import type { Connector } from "./connector.ts";
import { ValidationError } from "./errors.ts";

/** A named connection's connector and config. */
export interface ConnectionConfig {
  connector: string;
  config: unknown;
}

export interface ClientPoolOptions {
  catalog: { get(name: string): Connector | undefined };
  /** The connector and config of a connection; undefined (or a NotFoundError) when there is none. */
  connection(name: string): Promise<ConnectionConfig | undefined>;
  client?: ClientOptions;
}

/**
 * One ConnectorClient per named connection, opened on first use and shared by everything that calls
 * the vendor (ingestion and playbooks alike): one keep-alive pool, one token session, one rate limit.
 */
export class ClientPool {
  readonly #options: ClientPoolOptions;
  readonly #clients = new Map<string, Promise<ConnectorClient>>();

  constructor(options: ClientPoolOptions) {
    this.#options = options;
  }

  /** The connection's client; a connection that does not exist is a ValidationError naming it. */
  get(name: string): Promise<ConnectorClient> {
    let client = this.#clients.get(name);
    if (!client) {
      client = this.#open(name);
      this.#clients.set(name, client);
      client.catch(() => this.#clients.delete(name));
    }
    return client;
  }

  /** Closes and drops the connection's client (its config changed or it was removed); the next `get` opens a new one. */
  async forget(name: string): Promise<void> {
    const client = this.#clients.get(name);
    this.#clients.delete(name);
    await client?.then((c) => c.close()).catch(() => {});
  }

  async close(): Promise<void> {
    const clients = await Promise.allSettled(this.#clients.values());
    this.#clients.clear();
    for (const c of clients) if (c.status === "fulfilled") await c.value.close();
  }

  async #open(name: string): Promise<ConnectorClient> {
    let saved: ConnectionConfig | undefined;
    try {
      saved = await this.#options.connection(name);
    } catch (error) {
      if ((error as { type?: string }).type !== "NotFoundError") throw error;
    }
    if (!saved) throw new ValidationError(`no saved connection "${name}"`, { field: "connections" });
    const connector = this.#options.catalog.get(saved.connector);
    if (!connector)
      throw new ValidationError(`connection "${name}" uses unknown connector ${saved.connector}`, {
        field: "connections",
      });
    return createClient(connector, saved.config, this.#options.client);
  }
}
