import type { Static, TSchema } from "@sinclair/typebox";
import type { AuthSession, Config } from "./auth.ts";
import { type CollectSpec, type Connector, type Operation, paginationOf } from "./connector.ts";
import { dig } from "./dig.ts";
import {
  AuthError,
  isRampartError,
  NotFoundError,
  type RampartError,
  RateLimitedError,
  UpstreamError,
  ValidationError,
} from "./errors.ts";
import { type HttpRequest, type HttpResponse, HttpTransport, type QueryValue } from "./http.ts";
import { type Logger, silentLogger } from "./logger.ts";
import {
  cursorPages,
  drainPages,
  itemsOf,
  nextLinkPages,
  offsetPages,
  type PaginationSpec,
} from "./pagination.ts";
import { Redactor, secretsOf } from "./redact.ts";
import {
  createResilience,
  DEFAULT_RESILIENCE,
  type Resilience,
  type ResilienceOptions,
} from "./resilience.ts";
import { formatMismatch, type OutputMismatch, outputs, schemas } from "./schema.ts";

export interface ClientOptions {
  logger?: Logger;
  now?: () => number;
  /** Overrides the connector's and the connection's resilience settings (tests use short delays). */
  resilience?: Partial<ResilienceOptions>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** false: an HTTP error reply (after retries) is returned with its status instead of thrown. */
  throwOnHttpError?: boolean;
  /** Sent as `Idempotency-Key` so a retried step is recognisable to vendors that honour it. */
  idempotencyKey?: string;
}

export interface CallResult<T = unknown> {
  output: T;
  /** HTTP status of the vendor's final reply. */
  status: number;
  ok: boolean;
  /** HTTP requests sent, retries and re-logins included. */
  attempts: number;
  durationMs: number;
  /** Where the reply differs from the operation's output schema (empty when it matches); the output is as sent. */
  warnings: OutputMismatch[];
}

/** Replies of one operation that did not match its output schema, and the mismatches they held. */
export interface OutputMismatchCount {
  replies: number;
  mismatches: number;
}

/** The log message of a reply that does not match its output schema (faces that print warnings themselves skip it). */
export const OUTPUT_MISMATCH_MESSAGE = "reply does not match the output schema";

const bodyOfError = new WeakMap<Error, unknown>();

/** A live connection to one vendor: validated config, auth session, pool and policies. */
export class ConnectorClient {
  readonly connector: Connector;
  readonly redactor: Redactor;
  readonly #config: Config;
  readonly #transport: HttpTransport;
  readonly #resilience: Resilience;
  readonly #auth: AuthSession;
  readonly #logger: Logger;
  readonly #baseUrl: string;
  /** Where requests may go: the base URL's origin and any the connection allows. */
  readonly #origins: Set<string>;
  readonly #now: () => number;
  readonly #strictOutput: boolean;
  readonly #mismatches = new Map<string, OutputMismatchCount>();

  constructor(connector: Connector, config: unknown, options: ClientOptions = {}) {
    this.connector = connector;
    const copy = structuredClone(config ?? {});
    this.#config = schemas.assert<Config>(connector.connection, copy, "config");
    this.redactor = new Redactor(secretsOf(connector.connection, this.#config));
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#baseUrl = connector.baseUrl(this.#config).replace(/\/+$/, "");
    this.#origins = new Set([new URL(this.#baseUrl).origin]);
    for (const origin of connector.allowedOrigins?.(this.#config) ?? [])
      this.#origins.add(new URL(origin).origin);
    const c = this.#config as Record<string, number | boolean | string | undefined>;
    if ((c.client_cert === undefined) !== (c.client_key === undefined)) {
      const missing = c.client_cert === undefined ? "client_cert" : "client_key";
      throw new ValidationError(`config.${missing} is required: client_cert and client_key go together`, {
        field: missing,
      });
    }
    this.#transport = new HttpTransport({
      timeoutMs: (c.timeout_ms as number) ?? 30_000,
      connectTimeoutMs: (c.connect_timeout_ms as number) ?? 10_000,
      verifyTls: c.verify_tls !== false,
      ca: c.ca_bundle as string | undefined,
      cert: c.client_cert as string | undefined,
      key: c.client_key as string | undefined,
    });
    this.#strictOutput = c.strict_output === true;
    const base = { ...DEFAULT_RESILIENCE, ...connector.resilience };
    if (typeof c.rate_limit_per_minute === "number")
      base.rateLimit = { limit: c.rate_limit_per_minute, intervalMs: 60_000 };
    if (typeof c.max_attempts === "number") base.maxAttempts = c.max_attempts;
    this.#resilience = createResilience({ ...base, ...options.resilience });
    this.#auth = connector.auth.create({
      config: this.#config,
      baseUrl: this.#baseUrl,
      redactor: this.redactor,
      now: this.#now,
      send: (req) => this.#transport.send(req),
    });
  }

  /** Runs one operation: validate input, send with auth and retries, map errors, validate output. */
  async call<T = unknown>(
    name: string,
    input: unknown = {},
    options: CallOptions = {},
  ): Promise<CallResult<T>> {
    const op = this.#operation(name);
    const valid = this.validateInput(op, input);
    const collect = op.collect?.(valid as Static<TSchema>);
    if (collect) return this.#collect<T>(op, valid, collect, options);
    return this.#run<T>(op, valid, this.#buildRequest(op, valid), options);
  }

  /** Checks input against the operation's schema and rules without sending anything; returns it with defaults. */
  validateInput(op: Operation, input: unknown): Record<string, unknown> {
    const copy = structuredClone(input ?? {});
    const valid = schemas.assert<Record<string, unknown>>(op.input, copy, "input");
    op.check?.(valid as Static<TSchema>);
    return valid;
  }

  /** Streams the pages of a listing operation that declares `paginate`. */
  async *pages(
    name: string,
    input: Record<string, unknown> = {},
    options: CallOptions = {},
  ): AsyncGenerator<unknown> {
    yield* this.#pageStream(this.#operation(name), input, options, () => {});
  }

  /** The pages' outputs; `onPage` sees each page's whole result just before its output is yielded. */
  async *#pageStream(
    op: Operation,
    input: Record<string, unknown>,
    options: CallOptions,
    onPage: (result: CallResult) => void,
  ): AsyncGenerator<unknown> {
    const spec = withCallerPaging(paginationOf(op, input), input);
    if (!spec) throw new ValidationError(`operation ${op.name} does not paginate`, { field: "operation" });
    const send = async (valid: Record<string, unknown>, req: HttpRequest) => {
      const result = await this.#run(op, valid, req, options);
      onPage(result);
      return result.output;
    };
    const fetchPage = async (params: Record<string, unknown>) => {
      const merged = withParams(input, params);
      if (spec.style === "cursor" && params[spec.cursorParam] !== undefined)
        for (const key of spec.firstPageOnly ?? []) delete merged[key];
      const valid = this.validateInput(op, merged);
      return send(valid, this.#buildRequest(op, valid));
    };
    if (spec.style === "offset") {
      const start = dig(input, spec.offsetParam);
      yield* offsetPages(fetchPage, spec, typeof start === "number" ? start : 0);
    } else if (spec.style === "cursor") yield* cursorPages(fetchPage, spec);
    else if (spec.style === "drain") yield* drainPages(fetchPage, spec);
    else {
      const fetchUrl = async (url: string) => {
        const valid = this.validateInput(op, input);
        // The link carries the query; method and headers stay those of the first request.
        const first = this.#buildRequest(op, valid);
        const req: HttpRequest = {
          method: first.method,
          url: this.#nextLink(url),
          headers: { ...first.headers },
          query: {},
        };
        return send(valid, req);
      };
      yield* nextLinkPages(() => fetchPage({}), fetchUrl, spec);
    }
  }

  /** One call over every page, up to the spec's page limit; a failed page (returned as data) ends it. */
  async #collect<T>(
    op: Operation,
    input: Record<string, unknown>,
    spec: CollectSpec,
    options: CallOptions,
  ): Promise<CallResult<T>> {
    const started = this.#now();
    const outputs: unknown[] = [];
    let last: CallResult | undefined;
    let attempts = 0;
    // Each page's mismatches, their paths led by the page they came in (`pages[1].value[0].id`).
    const warnings: OutputMismatch[] = [];
    let page = 0;
    const stream = this.#pageStream(op, input, options, (result) => {
      last = result;
      attempts += result.attempts;
      for (const w of result.warnings)
        warnings.push({
          ...w,
          path: `pages[${page}]${w.path === "" || w.path.startsWith("[") ? "" : "."}${w.path}`,
        });
      page++;
    });
    let stoppedAtLimit = false;
    for await (const page of stream) {
      if (!last!.ok)
        return { ...(last as CallResult<T>), attempts, durationMs: this.#now() - started, warnings };
      outputs.push(page);
      if (outputs.length >= spec.maxPages) {
        stoppedAtLimit = true;
        break;
      }
    }
    return {
      output: spec.combine(outputs, stoppedAtLimit) as T,
      status: last!.status,
      ok: true,
      attempts,
      durationMs: this.#now() - started,
      warnings,
    };
  }

  /** Streams the items of every page. */
  async *items(
    name: string,
    input: Record<string, unknown> = {},
    options: CallOptions = {},
  ): AsyncGenerator<unknown> {
    const spec = paginationOf(this.#operation(name), input);
    for await (const page of this.pages(name, input, options)) yield* itemsOf(page, spec!.items);
  }

  /** Per operation, the replies that did not match its output schema so far (for metrics). */
  outputMismatches(): ReadonlyMap<string, Readonly<OutputMismatchCount>> {
    return this.#mismatches;
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  #operation(name: string): Operation {
    const op = this.connector.operation(name);
    if (!op)
      throw new ValidationError(`${this.connector.name} has no operation "${name}"`, { field: "operation" });
    return op;
  }

  // Next links come from the vendor; only follow them to origins the connection trusts, so credentials stay there.
  #nextLink(url: string): string {
    const target = new URL(url, this.#baseUrl);
    if (!this.#origins.has(target.origin)) {
      throw new UpstreamError(`vendor's next link points to another origin (${target.origin})`, {
        retryable: false,
      });
    }
    return target.href;
  }

  /** Refuses, before anything is sent, a request to an origin the connection does not allow. */
  #checkOrigin(op: Operation, url: string): void {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      throw new ValidationError(`${this.connector.name}.${op.name}: "${url}" is not a URL`, {
        field: "path",
      });
    }
    if (this.#origins.has(origin)) return;
    throw new ValidationError(
      `${this.connector.name}.${op.name}: ${origin} is not this connection's origin (${new URL(this.#baseUrl).origin}) ` +
        "nor one it allows; nothing was sent (add it to the connection's allowed_origins to permit it)",
      { field: "path" },
    );
  }

  #buildRequest(op: Operation, input: Record<string, unknown>): HttpRequest {
    const rest: Record<string, unknown> = { ...input };
    const path = op.path.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = rest[key];
      if (value === undefined || value === null || value === "") {
        throw new ValidationError(`input.${key} is required`, { field: key });
      }
      delete rest[key];
      return encodeURIComponent(String(value));
    });
    const req: HttpRequest = { method: op.method, url: this.#baseUrl + path, headers: {}, query: {} };
    for (const key of op.query ?? []) {
      if (key in rest) {
        req.query[key] = rest[key] as QueryValue;
        delete rest[key];
      }
    }
    const encoding = op.body ?? "json";
    if (op.method === "GET" || op.method === "DELETE" || encoding === "none") {
      for (const [key, value] of Object.entries(rest)) req.query[key] = toQueryValue(value);
    } else if (encoding === "json") {
      req.body = { kind: "json", value: rest };
    } else if (encoding === "form") {
      req.body = {
        kind: "form",
        value: Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, toQueryValue(v)])),
      };
    } else {
      req.body = { kind: "multipart", value: rest as Record<string, QueryValue> };
    }
    return op.request?.(input, req) ?? req;
  }

  async #run<T>(
    op: Operation,
    input: Record<string, unknown>,
    req: HttpRequest,
    options: CallOptions,
  ): Promise<CallResult<T>> {
    const started = this.#now();
    let attempts = 0;
    this.#checkOrigin(op, req.url);
    if (options.idempotencyKey) req.headers["idempotency-key"] = options.idempotencyKey;
    try {
      const res = await this.#resilience.execute(async (signal) => {
        attempts++;
        let reply = await this.#sendAuthenticated(req, signal);
        if (reply.status === 401 && this.#auth.renew) {
          // One transparent re-login: tokens expire, appliances restart.
          await this.#auth.renew();
          attempts++;
          reply = await this.#sendAuthenticated(req, signal);
        }
        const succeeded = op.success ? op.success(reply.status, input as never) : reply.status < 400;
        if (!succeeded) throw this.#httpError(reply, op);
        return reply;
      }, options.signal);
      const unwrapped = this.connector.response ? this.connector.response(res, op) : res.body;
      const output = op.response ? op.response(unwrapped, res, input) : unwrapped;
      const warnings = this.#checkOutput(op, output, res.status);
      return {
        output: output as T,
        status: res.status,
        ok: true,
        attempts,
        durationMs: this.#now() - started,
        warnings,
      };
    } catch (error) {
      const safe = this.#redactError(error);
      if (options.throwOnHttpError === false && isRampartError(safe) && safe.status !== undefined) {
        const body = this.redactor.value(bodyOfError.get(error as Error) ?? null);
        return {
          output: body as T,
          status: safe.status,
          ok: false,
          attempts,
          durationMs: this.#now() - started,
          warnings: [],
        };
      }
      throw safe;
    }
  }

  async #sendAuthenticated(template: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const req: HttpRequest = { ...template, headers: { ...template.headers }, query: { ...template.query } };
    await this.#auth.apply(req);
    const started = this.#now();
    const res = await this.#transport.send(req, signal);
    this.#auth.observe?.(req, res);
    this.#logger.debug("http", {
      connector: this.connector.name,
      method: req.method,
      url: this.redactor.text(req.url),
      status: res.status,
      ms: this.#now() - started,
    });
    return res;
  }

  #httpError(res: HttpResponse, op: Operation): RampartError {
    const error = httpErrorOf(this.connector, op, res, this.#now());
    bodyOfError.set(error, res.body);
    return error;
  }

  // Real replies vary (protobuf int64 as strings, null for absent, fields the contract never fixed):
  // one odd field must not break every playbook and poll, so a mismatch is reported, not thrown,
  // unless the connection asks for strict_output.
  #checkOutput(op: Operation, output: unknown, status: number): OutputMismatch[] {
    const found = outputs.mismatches(op.output, output);
    if (found.length === 0) return [];
    const mismatches = this.redactor.value(found);
    const what = `${this.connector.name}.${op.name}`;
    if (this.#strictOutput) {
      const [first] = mismatches;
      const rest = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more)` : "";
      throw new UpstreamError(
        `${what}: reply does not match the expected shape: ${formatMismatch(first!)}${rest}`,
        {
          status,
          retryable: false,
          field: first!.path || undefined,
          details: { mismatches },
        },
      );
    }
    const count = this.#mismatches.get(op.name) ?? { replies: 0, mismatches: 0 };
    count.replies++;
    count.mismatches += mismatches.reduce((sum, m) => sum + 1 + (m.more ?? 0), 0);
    this.#mismatches.set(op.name, count);
    this.#logger.warn(OUTPUT_MISMATCH_MESSAGE, {
      connector: this.connector.name,
      operation: op.name,
      mismatches: mismatches.map((m) => formatMismatch(m)),
    });
    return mismatches;
  }

  #redactError(error: unknown): unknown {
    if (!isRampartError(error)) {
      return new UpstreamError(this.redactor.text(String((error as Error)?.message ?? error)), {
        retryable: false,
      });
    }
    if (this.redactor.size === 0) return error;
    const data = this.redactor.value(error.toJSON());
    const Ctor = error.constructor as new (message: string, options: object) => RampartError;
    const safe = new Ctor(data.message, data);
    const body = bodyOfError.get(error);
    if (body !== undefined) bodyOfError.set(safe, body);
    return safe;
  }
}

/**
 * The typed error for a vendor's HTTP error reply: the connector's own mapping first, else
 * 401/403 AuthError, 404 NotFoundError, 429 RateLimitedError (with Retry-After), 400/422
 * ValidationError, anything else UpstreamError. Test harnesses use it to fail stubbed replies alike.
 */
export function httpErrorOf(
  connector: Connector,
  op: Operation,
  res: HttpResponse,
  now: number,
): RampartError {
  const own = connector.error?.(res, op);
  if (own) return own;
  const vendorMessage = connector.errorMessage?.(res.body) ?? defaultErrorMessage(res.body);
  const what = `${connector.name}.${op.name}`;
  const message = `${what}: HTTP ${res.status}${vendorMessage ? `: ${vendorMessage}` : ""}`;
  const options = { status: res.status, details: { vendorMessage } };
  if (res.status === 401 || res.status === 403) return new AuthError(message, options);
  if (res.status === 404) return new NotFoundError(message, options);
  if (res.status === 429) {
    return new RateLimitedError(message, {
      ...options,
      retryAfterMs: parseRetryAfter(res.headers["retry-after"], now),
    });
  }
  if (res.status === 400 || res.status === 422) return new ValidationError(message, options);
  return new UpstreamError(message, options);
}

/** A page size (and offset start) the caller put in the input wins over the operation's default. */
function withCallerPaging(
  spec: PaginationSpec | undefined,
  input: Record<string, unknown>,
): PaginationSpec | undefined {
  if (
    (spec?.style === "offset" || spec?.style === "drain") &&
    typeof dig(input, spec.limitParam) === "number"
  )
    return { ...spec, pageSize: dig(input, spec.limitParam) as number };
  if (spec?.style === "cursor" && spec.pageSize && typeof input[spec.pageSize.param] === "number")
    return { ...spec, pageSize: { param: spec.pageSize.param, value: input[spec.pageSize.param] as number } };
  return spec;
}

/** The input with paging parameters set; a dotted name sets a field of a nested object. */
function withParams(
  input: Record<string, unknown>,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const out = structuredClone(input);
  for (const [name, value] of Object.entries(params)) {
    const keys = name.split(".");
    let target = out;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      target[key] = next !== null && typeof next === "object" ? next : {};
      target = target[key] as Record<string, unknown>;
    }
    target[keys[keys.length - 1]!] = value;
  }
  return out;
}

function toQueryValue(value: unknown): QueryValue {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value))
    return value.map((v) => (typeof v === "object" ? JSON.stringify(v) : (v as string)));
  if (typeof value === "object") return JSON.stringify(value);
  return value as QueryValue;
}

function defaultErrorMessage(body: unknown): string | undefined {
  if (typeof body === "string") return body.slice(0, 200) || undefined;
  if (body === null || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.message === "string") return b.message;
  if (typeof b.error === "string")
    return typeof b.error_description === "string" ? `${b.error}: ${b.error_description}` : b.error;
  if (
    b.error &&
    typeof b.error === "object" &&
    typeof (b.error as Record<string, unknown>).message === "string"
  ) {
    return (b.error as Record<string, string>).message;
  }
  return undefined;
}

/** Retry-After in seconds or as an HTTP date, in ms from now. */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function createClient(
  connector: Connector,
  config: unknown,
  options?: ClientOptions,
): ConnectorClient {
  return new ConnectorClient(connector, config, options);
}
