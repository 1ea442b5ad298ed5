import {
  type CallResult,
  type ClientOptions,
  ClientPool,
  type ErrorData,
  errorFromData,
  httpErrorOf,
  Redactor,
  schemas,
  UpstreamError,
  ValidationError,
} from "../../connectors/sdk/index.ts";
import { StepFailure } from "../errors.ts";
import type { ConnectorCatalog } from "../load.ts";
import { ConnectorCaller, type OperationCall, type OperationCaller } from "../operation-caller.ts";
import type { StubReply } from "./test-file.ts";

export interface StubCallerOptions {
  catalog: ConnectorCatalog;
  /** The playbook's connection aliases and their connectors; each alias is bound to a connection of its own name. */
  aliases: Record<string, string>;
  /** Replies keyed `<alias>.<operation>`: one for every call, or a list, one per call (the last repeats). */
  stubs?: Record<string, StubReply | StubReply[]>;
  /** Aliases served by a real vendor simulator: the connection config to reach it. */
  simulated?: Record<string, unknown>;
  client?: ClientOptions;
  now?: () => number;
}

/**
 * The step-call boundary of a playbook test: stubbed operations answer from the test file as the
 * connector client would (input checked, 2xx output checked, HTTP errors typed by the SDK's own
 * mapping), simulated aliases go to the real client, and anything else fails, named.
 */
export class StubCaller implements OperationCaller {
  /** `<alias>.<operation>` called with no stub and no simulator, in call order. */
  readonly missing: string[] = [];
  /** HTTP requests the last call of each step sent (retries and re-logins included; 1 for a stub). */
  readonly requests = new Map<string, number>();
  readonly #options: StubCallerOptions;
  readonly #pool: ClientPool;
  readonly #real: ConnectorCaller;
  readonly #served = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: StubCallerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#pool = new ClientPool({
      catalog: options.catalog,
      client: options.client,
      connection: async (name) => {
        const config = options.simulated?.[name];
        const connector = options.aliases[name];
        return config === undefined || connector === undefined ? undefined : { connector, config };
      },
    });
    this.#real = new ConnectorCaller(this.#pool);
  }

  async open(connection: string, connector: string): Promise<Redactor> {
    if (this.#options.simulated?.[connection] !== undefined) return this.#real.open(connection, connector);
    if (this.#options.aliases[connection] !== connector) {
      throw new ValidationError(`the test binds no connection "${connection}" for ${connector}`, {
        field: "connections",
      });
    }
    return new Redactor();
  }

  async call(request: OperationCall): Promise<CallResult> {
    if (this.#options.simulated?.[request.connection] !== undefined) {
      const result = await this.#real.call(request);
      this.requests.set(request.stepKey, result.attempts);
      return result;
    }
    return this.#stubbed(request);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #stubbed(request: OperationCall): CallResult {
    const key = `${request.connection}.${request.operation}`;
    const connector = this.#options.catalog.get(request.connector);
    const op = connector?.operation(request.operation);
    if (!connector || !op) {
      throw new ValidationError(`${request.connector} has no operation "${request.operation}"`, {
        field: "operation",
      });
    }
    // As the client does, before anything would be sent: the input must fit the operation.
    const valid = schemas.assert<Record<string, unknown>>(
      op.input,
      structuredClone(request.input ?? {}),
      "input",
    );
    op.check?.(valid as never);
    const replies = this.#options.stubs?.[key];
    if (replies === undefined) {
      if (!this.missing.includes(key)) this.missing.push(key);
      throw new StepFailure(
        "MissingStub",
        `${key} was called but the case has no stub for it and "${request.connection}" is not in its simulators`,
      );
    }
    const list = Array.isArray(replies) ? replies : [replies];
    const served = this.#served.get(key) ?? 0;
    this.#served.set(key, served + 1);
    const reply = list[Math.min(served, list.length - 1)]!;
    this.requests.set(request.stepKey, 1);

    if (reply.error) {
      const { type, message, ...rest } = reply.error;
      const error = errorFromData({
        type,
        message: message ?? `${key}: ${type} (stubbed)`,
        ...rest,
      } as ErrorData);
      if (!request.throwOnHttpError && error.status !== undefined) return result(null, error.status);
      throw error;
    }
    const status = reply.status ?? 200;
    const output = structuredClone(reply.output ?? null);
    // Stricter than a live client, which returns such a reply with warnings: a stub is the author's
    // claim of what the vendor sends, and one the schema refuses is a mistake in the stub or the schema.
    if (status >= 200 && status < 300) {
      try {
        schemas.assert(op.output, output, "output");
      } catch (error) {
        throw new UpstreamError(
          `${connector.name}.${op.name}: reply does not match the expected shape: ${(error as Error).message}`,
          { status, retryable: false, field: (error as ValidationError).field },
        );
      }
      return result(output, status);
    }
    const headers = Object.fromEntries(
      Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const error = httpErrorOf(connector, op, { status, headers, body: output }, this.#now());
    if (!request.throwOnHttpError && error.status !== undefined) return result(output, status);
    throw error;
  }
}

function result(output: unknown, status: number): CallResult {
  return { output, status, ok: status >= 200 && status < 300, attempts: 1, durationMs: 0, warnings: [] };
}
