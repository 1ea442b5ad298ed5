import {
  type CallResult,
  type ClientOptions,
  type Connector,
  type ConnectorClient,
  createClient,
  Redactor,
  redactAll,
  ValidationError,
} from "../connectors/sdk/index.ts";
import type { ConnectorCatalog } from "./load.ts";

/** One `call` step's request, as the engine hands it to the step-call boundary. */
export interface OperationCall {
  runId: string;
  /** The step's key in the run (`fetch`, `each[2].lookup`). */
  stepKey: string;
  /** The saved connection the step's alias is bound to. */
  connection: string;
  connector: string;
  operation: string;
  input: unknown;
  /** The same for every attempt of the step, across restarts. */
  idempotencyKey: string;
  throwOnHttpError: boolean;
  signal: AbortSignal;
}

/**
 * The step-call boundary: every `call` step goes through it. The default sends the call to the
 * vendor with a ConnectorClient; a test harness wraps it to answer chosen operations itself.
 */
export interface OperationCaller {
  /** Checks a saved connection exists and is for `connector`; returns the redactor of its secrets. */
  open(connection: string, connector: string): Promise<Redactor>;
  call(request: OperationCall): Promise<CallResult>;
  close(): Promise<void>;
}

/** A saved connection's connector and decrypted config. */
export interface SavedConnection {
  connector: string;
  config: unknown;
}

export interface ConnectorCallerOptions {
  catalog: ConnectorCatalog;
  /** Looks up a saved connection by name (decrypted); throw or return undefined when missing. */
  connection(name: string): Promise<SavedConnection | undefined>;
  client?: ClientOptions;
}

/** The default boundary: one ConnectorClient per saved connection, opened on first use. */
export class ConnectorCaller implements OperationCaller {
  readonly #options: ConnectorCallerOptions;
  readonly #clients = new Map<string, Promise<ConnectorClient>>();

  constructor(options: ConnectorCallerOptions) {
    this.#options = options;
  }

  async open(connection: string, connector: string): Promise<Redactor> {
    const client = await this.#client(connection);
    if (client.connector.name !== connector) {
      throw new ValidationError(
        `connection "${connection}" is for connector ${client.connector.name}, not ${connector}`,
        { field: "connections" },
      );
    }
    return client.redactor;
  }

  async call(request: OperationCall): Promise<CallResult> {
    const client = await this.#client(request.connection);
    return client.call(request.operation, request.input, {
      signal: request.signal,
      throwOnHttpError: request.throwOnHttpError,
      idempotencyKey: request.idempotencyKey,
    });
  }

  async close(): Promise<void> {
    const clients = await Promise.allSettled(this.#clients.values());
    this.#clients.clear();
    for (const c of clients) if (c.status === "fulfilled") await c.value.close();
  }

  #client(name: string): Promise<ConnectorClient> {
    let client = this.#clients.get(name);
    if (!client) {
      client = this.#open(name);
      this.#clients.set(name, client);
      client.catch(() => this.#clients.delete(name));
    }
    return client;
  }

  async #open(name: string): Promise<ConnectorClient> {
    const saved = await this.#options.connection(name);
    if (!saved) throw new ValidationError(`no saved connection "${name}"`, { field: "connections" });
    const connector: Connector | undefined = this.#options.catalog.get(saved.connector);
    if (!connector)
      throw new ValidationError(`connection "${name}" uses unknown connector ${saved.connector}`, {
        field: "connections",
      });
    return createClient(connector, saved.config, this.#options.client);
  }
}

/** Applies several connections' redactors in turn (a run may use more than one connection). */
export class RunRedactor {
  readonly #redactors: Redactor[] = [new Redactor()];

  add(redactor: Redactor): void {
    if (!this.#redactors.includes(redactor)) this.#redactors.push(redactor);
  }

  value<T>(value: T): T {
    return redactAll(value, this.#redactors);
  }

  text(value: string): string {
    let out = value;
    for (const r of this.#redactors) out = r.text(out);
    return out;
  }
}
