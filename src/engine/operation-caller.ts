import {
  type CallResult,
  type ClientPool,
  Redactor,
  redactSecretValues,
  ValidationError,
} from "../connectors/sdk/index.ts";

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

/** The default boundary: each call goes to the connection's client in a shared ClientPool. */
export class ConnectorCaller implements OperationCaller {
  readonly #clients: ClientPool;

  constructor(clients: ClientPool) {
    this.#clients = clients;
  }

  async open(connection: string, connector: string): Promise<Redactor> {
    const client = await this.#clients.get(connection);
    if (client.connector.name !== connector) {
      throw new ValidationError(
        `connection "${connection}" is for connector ${client.connector.name}, not ${connector}`,
        { field: "connections" },
      );
    }
    return client.redactor;
  }

  async call(request: OperationCall): Promise<CallResult> {
    const client = await this.#clients.get(request.connection);
    return client.call(request.operation, request.input, {
      signal: request.signal,
      throwOnHttpError: request.throwOnHttpError,
      idempotencyKey: request.idempotencyKey,
    });
  }

  /** Nothing to release: the pool belongs to whoever made it, and outlives the caller. */
  async close(): Promise<void> {}
}

/** Applies several connections' redactors in turn (a run may use more than one connection). */
export class RunRedactor {
  readonly #redactors: Redactor[] = [new Redactor()];

  add(redactor: Redactor): void {
    if (!this.#redactors.includes(redactor)) this.#redactors.push(redactor);
  }

  /**
   * `value` with the run's secrets hidden wherever they occur. Field names are not judged: a vendor's
   * `password` field (the credentials an attacker tried on a honeypot) is evidence and flows on whole.
   */
  value<T>(value: T): T {
    return redactSecretValues(value, this.#redactors);
  }

  text(value: string): string {
    let out = value;
    for (const r of this.#redactors) out = r.text(out);
    return out;
  }
}
