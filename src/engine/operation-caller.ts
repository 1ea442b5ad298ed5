import {
  type CallResult,
  type ClientPool,
  isIdempotent,
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
  /**
   * What may be done with a call whose earlier attempt a crash interrupted: send it again (the
   * operation is idempotent, or its `find` saw nothing made), take what `find` found, or nothing is
   * known (no key to look by). A caller without it has every call treated as unknown.
   */
  recover?(request: OperationCall): Promise<Recovery>;
  close(): Promise<void>;
}

/** The answer to "did the interrupted attempt of this call act?" */
export type Recovery =
  | { kind: "repeat"; reason: "idempotent" | "not-found" }
  /** `status`: the vendor's answer to the look (a playbook branching on `status` sees a success). */
  | { kind: "found"; output: unknown; status: number }
  | { kind: "unknown" };

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

  async recover(request: OperationCall): Promise<Recovery> {
    const client = await this.#clients.get(request.connection);
    const op = client.connector.operation(request.operation);
    if (!op) return { kind: "unknown" };
    if (isIdempotent(op)) return { kind: "repeat", reason: "idempotent" };
    if (!op.find) return { kind: "unknown" };
    let status = 200;
    const found = await op.find(request.input as never, {
      call: async (operation, input) => {
        const result = await client.call(operation, input, { signal: request.signal });
        status = result.status;
        return result;
      },
    });
    if (found === undefined) return { kind: "repeat", reason: "not-found" };
    return { kind: "found", output: found, status };
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
