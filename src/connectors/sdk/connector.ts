import { type Static, type TObject, type TSchema, Type } from "@sinclair/typebox";
import type { AuthStrategy, Config } from "./auth.ts";
import type { RampartError } from "./errors.ts";
import type { HttpRequest, HttpResponse } from "./http.ts";
import type { PaginationSpec } from "./pagination.ts";
import type { ResilienceOptions } from "./resilience.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** How the input fields that are neither path parameters nor query fields travel. */
export type BodyEncoding = "json" | "form" | "multipart" | "none";

export interface OperationDef<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  name: string;
  title: string;
  description: string;
  method: HttpMethod;
  /** Path template relative to the connection's base URL, with `{param}` placeholders filled from input. */
  path: string;
  input: I;
  output: O;
  /** Input fields sent in the query string even when the method carries a body. */
  query?: readonly string[];
  /** Encoding of the body for POST/PUT/PATCH (default json); GET and DELETE send fields as the query. */
  body?: BodyEncoding;
  /** Rules the schema cannot say (e.g. "at least one filter"); throw a ValidationError naming the field. */
  check?: (input: Static<I>) => void;
  /** Escape hatch: adjust or build the request yourself. */
  request?: (input: Static<I>, req: HttpRequest) => HttpRequest | undefined;
  /** Escape hatch: turn the (already unwrapped) reply into the output. */
  response?: (body: unknown, res: HttpResponse, input: Static<I>) => unknown;
  /** How the listing pages; a function of the input when a vendor parameter picks the mode (Leen's `enableCursor`). */
  paginate?: PaginationSpec | ((input: Static<I>) => PaginationSpec | undefined);
  /** Which HTTP statuses count as success for this input (default: every status below 400). */
  success?: (status: number, input: Static<I>) => boolean;
  /** When it returns a spec, one call walks the pages itself and returns them combined (the http connector's `paginate` input). */
  collect?: (input: Static<I>) => CollectSpec | undefined;
  /**
   * Whether sending the same request twice has the effect of sending it once, so a call a crash
   * interrupted may simply be sent again (default: GET, PUT and DELETE are, POST and PATCH are not).
   */
  idempotent?: boolean;
  /**
   * Looks for what an earlier attempt with this input made, by the vendor's natural key (a case by
   * its SOC id, an IOC by value and type): the object as this operation's output, or undefined.
   */
  find?: (input: Static<I>, client: OperationInvoker) => Promise<unknown>;
}

/** What an operation's `find` may use: the other operations of the same connection. */
export interface OperationInvoker {
  call(operation: string, input: unknown): Promise<{ output: unknown }>;
}

/** Whether an operation may be sent again after an attempt whose outcome is unknown. */
export function isIdempotent(op: Operation): boolean {
  return op.idempotent ?? (op.method === "GET" || op.method === "PUT" || op.method === "DELETE");
}

/** How one call gathers every page of a paginating operation. */
export interface CollectSpec {
  /** Pages fetched at most; the call stops there even when the vendor has more. */
  maxPages: number;
  /** The call's output from the pages' outputs; `stoppedAtLimit` says the page limit ended the walk. */
  combine(pages: unknown[], stoppedAtLimit: boolean): unknown;
}

export type Operation = OperationDef<TSchema, TSchema>;

/** The paging spec an operation uses for this input, if it pages at all. */
export function paginationOf(op: Operation, input: Record<string, unknown>): PaginationSpec | undefined {
  return typeof op.paginate === "function" ? op.paginate(input) : op.paginate;
}

/** Declares one operation: data, plus functions only where the vendor is odd. */
export function defineOperation<I extends TSchema, O extends TSchema>(def: OperationDef<I, O>): Operation {
  if (!def.name || !/^[A-Za-z][A-Za-z0-9_]*$/.test(def.name))
    throw new Error(`operation name "${def.name}" is not an identifier`);
  if (!def.path.startsWith("/")) throw new Error(`operation ${def.name}: path must start with "/"`);
  return def as unknown as Operation;
}

export interface ConnectorDef {
  name: string;
  title: string;
  description: string;
  /** JSON Schema of the connection config; mark secret fields with `secret: true`. */
  connection: TObject;
  /** Base URL every operation path is relative to. */
  baseUrl(config: Config): string;
  auth: AuthStrategy;
  /** Vendor-wide reply handling: unwrap an envelope, or throw a typed error for an error hidden in a 2xx. */
  response?: (res: HttpResponse, op: Operation) => unknown;
  /** The vendor's error message in an error reply body, when it is not at `message`/`error`. */
  errorMessage?: (body: unknown) => string | undefined;
  /** The vendor's own typed error for an HTTP error reply (e.g. naming the field a 400 complains about); undefined keeps the SDK's mapping. */
  error?: (res: HttpResponse, op: Operation) => RampartError | undefined;
  /** Origins besides the base URL's that requests may go to, credentials included (none unless the connection lists some). */
  allowedOrigins?: (config: Config) => readonly string[];
  /** Defaults for this vendor (e.g. its documented rate limit). */
  resilience?: Partial<ResilienceOptions>;
  operations: readonly Operation[];
  /** The cheapest read-only call that proves a connection works (`rampart connection test`). */
  test?: { operation: string; input?: unknown };
}

export interface Connector extends ConnectorDef {
  operation(name: string): Operation | undefined;
}

/** Settings every connection accepts, whatever its vendor. */
export const CommonConnectionSettings = {
  verify_tls: Type.Optional(
    Type.Boolean({
      description:
        "Verify the server's TLS certificate (default true; turn off only for self-signed appliances)",
    }),
  ),
  timeout_ms: Type.Optional(
    Type.Integer({ minimum: 1, description: "Total time allowed per HTTP request, in ms (default 30000)" }),
  ),
  connect_timeout_ms: Type.Optional(
    Type.Integer({ minimum: 1, description: "Time allowed to connect, in ms (default 10000)" }),
  ),
  rate_limit_per_minute: Type.Optional(
    Type.Integer({ minimum: 0, description: "Most requests per minute on this connection (0: no limit)" }),
  ),
  max_attempts: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 10, description: "Attempts per call, first included (default 4)" }),
  ),
  ca_bundle: Type.Optional(
    Type.String({
      minLength: 1,
      description: "PEM certificates to trust instead of the system's, for a server signed by a private CA",
    }),
  ),
  client_cert: Type.Optional(
    Type.String({ minLength: 1, description: "PEM client certificate, for servers that require mutual TLS" }),
  ),
  client_key: Type.Optional(
    Type.String({ minLength: 1, secret: true, description: "PEM private key of client_cert" }),
  ),
  strict_output: Type.Optional(
    Type.Boolean({
      description:
        "Fail a call whose reply does not match the operation's output schema (default false: return it with warnings)",
    }),
  ),
};

/** Declares a connector: its connection schema, auth strategy and operations. */
export function defineConnector(def: ConnectorDef): Connector {
  const byName = new Map<string, Operation>();
  for (const op of def.operations) {
    if (byName.has(op.name)) throw new Error(`connector ${def.name}: operation ${op.name} is declared twice`);
    byName.set(op.name, op);
  }
  if (def.test && !byName.has(def.test.operation))
    throw new Error(`connector ${def.name}: test operation ${def.test.operation} is not declared`);
  const connection = {
    ...def.connection,
    properties: { ...CommonConnectionSettings, ...def.connection.properties },
  } as TObject;
  return { ...def, connection, operation: (name) => byName.get(name) };
}
