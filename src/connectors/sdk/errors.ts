/** The serializable form of every Rampart error: what run records and the CLI carry. */
export interface ErrorData {
  type: ErrorType;
  message: string;
  retryable: boolean;
  field?: string;
  status?: number;
  retryAfterMs?: number;
  details?: unknown;
}

export type ErrorType =
  | "ValidationError"
  | "AuthError"
  | "NotFoundError"
  | "ConflictError"
  | "RateLimitedError"
  | "UpstreamError"
  | "TimeoutError"
  | "ConnectionError";

interface ErrorOptions {
  field?: string;
  status?: number;
  retryAfterMs?: number;
  details?: unknown;
  cause?: unknown;
  /** Overrides the class's own verdict, e.g. an open circuit is a ConnectionError not worth retrying at once. */
  retryable?: boolean;
}

/** Base of the SDK's error hierarchy; retry and routing read `type` and `retryable`, never the message. */
export abstract class RampartError extends Error {
  abstract readonly type: ErrorType;
  readonly field?: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly details?: unknown;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.#retryable = options.retryable;
  }

  readonly #retryable?: boolean;

  get retryable(): boolean {
    return this.#retryable ?? this.defaultRetryable;
  }

  protected abstract get defaultRetryable(): boolean;

  override get name(): string {
    return this.type;
  }

  toJSON(): ErrorData {
    const data: ErrorData = { type: this.type, message: this.message, retryable: this.retryable };
    if (this.field !== undefined) data.field = this.field;
    if (this.status !== undefined) data.status = this.status;
    if (this.retryAfterMs !== undefined) data.retryAfterMs = this.retryAfterMs;
    if (this.details !== undefined) data.details = this.details;
    return data;
  }
}

/** Input or output that does not match its schema; `field` names the offending field. */
export class ValidationError extends RampartError {
  readonly type = "ValidationError";
  protected get defaultRetryable(): boolean {
    return false;
  }
}

/** Credentials missing, wrong, expired or not allowed (401/403). */
export class AuthError extends RampartError {
  readonly type = "AuthError";
  protected get defaultRetryable(): boolean {
    return false;
  }
}

export class NotFoundError extends RampartError {
  readonly type = "NotFoundError";
  protected get defaultRetryable(): boolean {
    return false;
  }
}

/** The request contradicts the current state: a name taken, a run finished or held by another worker. */
export class ConflictError extends RampartError {
  readonly type = "ConflictError";
  protected get defaultRetryable(): boolean {
    return false;
  }
}

/** The vendor asked us to slow down; `retryAfterMs` says when to try again. */
export class RateLimitedError extends RampartError {
  readonly type = "RateLimitedError";
  protected get defaultRetryable(): boolean {
    return true;
  }
}

/** The vendor answered with an error; retryable only for 502/503/504. */
export class UpstreamError extends RampartError {
  readonly type = "UpstreamError";
  protected get defaultRetryable(): boolean {
    return this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export class TimeoutError extends RampartError {
  readonly type = "TimeoutError";
  protected get defaultRetryable(): boolean {
    return true;
  }
}

/** The vendor could not be reached (DNS, refused, reset, TLS, open circuit). */
export class ConnectionError extends RampartError {
  readonly type = "ConnectionError";
  protected get defaultRetryable(): boolean {
    return true;
  }
}

const constructors: Record<ErrorType, new (message: string, options?: ErrorOptions) => RampartError> = {
  ValidationError,
  AuthError,
  NotFoundError,
  ConflictError,
  RateLimitedError,
  UpstreamError,
  TimeoutError,
  ConnectionError,
};

/** Every type of the hierarchy (the error table in src/core/errors.ts has a row for each). */
export const ERROR_TYPES = Object.keys(constructors) as readonly ErrorType[];

/** Rebuilds a typed error from its data (e.g. read back from a run record). */
export function errorFromData(data: ErrorData): RampartError {
  const Ctor = constructors[data.type] ?? UpstreamError;
  return new Ctor(data.message, data);
}

export function isRampartError(error: unknown): error is RampartError {
  return error instanceof RampartError;
}
