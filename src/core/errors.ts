/**
 * One error taxonomy below every face. The classes stay in the connector SDK (every vendor and
 * store already throws them); this module adds the one table the faces read: for each error type,
 * the CLI's exit code, the HTTP status and what kind of failure it is.
 */
export * from "../connectors/sdk/errors.ts";

/**
 * `user`: the request was refused and nothing happened (fix the input); `operational`: a vendor or
 * the environment failed (try again, check the vendor); `unexpected`: a bug in Rampart.
 */
export type ErrorKind = "user" | "operational" | "unexpected";

export interface ErrorClass {
  /** What `rampart` exits with. */
  exitCode: number;
  /** What the API answers with. */
  httpStatus: number;
  kind: ErrorKind;
}

/** The CLI's exit codes: scripts tell a refused request from a failure. */
export const EXIT = { ok: 0, failed: 1, refused: 2 } as const;

const refused = (httpStatus: number): ErrorClass => ({ exitCode: EXIT.refused, httpStatus, kind: "user" });
// A vendor's failure is the API's bad gateway: the caller's own request was fine. A vendor refusing
// Rampart's credentials is not the API caller's 401 either (that one means "sign in again").
const upstream = (httpStatus: number): ErrorClass => ({
  exitCode: EXIT.failed,
  httpStatus,
  kind: "operational",
});

/** Error type → exit code, HTTP status and kind. Types not listed are unexpected (1, 500). */
export const ERROR_CLASSES: Readonly<Record<string, ErrorClass>> = {
  ValidationError: refused(400),
  /** A playbook that does not load (every issue with its line). */
  PlaybookError: refused(400),
  TestFileError: refused(400),
  /** Command-line usage (a flag missing or malformed); never reaches the API. */
  UsageError: refused(400),
  ConflictError: refused(409),
  NotFoundError: { exitCode: EXIT.failed, httpStatus: 404, kind: "user" },
  AuthError: upstream(502),
  RateLimitedError: upstream(503),
  UpstreamError: upstream(502),
  TimeoutError: upstream(504),
  ConnectionError: upstream(502),
  /** The API caller is not signed in (no, expired, revoked or forged credentials). */
  UnauthenticatedError: refused(401),
  /** The API caller is signed in but its role may not do this. */
  ForbiddenError: refused(403),
  /** Too many attempts (logins) from one address; try again later. */
  TooManyRequestsError: refused(429),
  PayloadTooLargeError: refused(413),
};

/** Errors only the API raises: who is asking, and how often. Their `type` is their row in ERROR_CLASSES. */
export class AccessError extends Error {
  readonly type: "UnauthenticatedError" | "ForbiddenError" | "TooManyRequestsError" | "PayloadTooLargeError";
  readonly retryable: boolean;

  constructor(type: AccessError["type"], message: string) {
    super(message);
    this.type = type;
    this.retryable = type === "TooManyRequestsError";
  }

  override get name(): string {
    return this.type;
  }
}

const UNEXPECTED: ErrorClass = { exitCode: EXIT.failed, httpStatus: 500, kind: "unexpected" };

/** The type an error is classed by: a Rampart error's `type`, else its class name (`Error` for anything else). */
export function errorTypeOf(error: unknown): string {
  const e = error as { type?: unknown; name?: unknown } | null;
  if (typeof e?.type === "string" && e.type in ERROR_CLASSES) return e.type;
  if (typeof e?.name === "string" && e.name in ERROR_CLASSES) return e.name;
  return "Error";
}

/** The row of the table for any thrown value. */
export function classify(error: unknown): ErrorClass & { type: string } {
  const type = errorTypeOf(error);
  return { type, ...(ERROR_CLASSES[type] ?? UNEXPECTED) };
}

/** The one shape every face reports an error in (the API's `{"error": …}` body). */
export interface ErrorBody {
  type: string;
  message: string;
  field?: string;
  retryable?: boolean;
}

/** An error as a face shows it; an unexpected error's message is kept, its stack is not. */
export function errorBody(error: unknown): ErrorBody {
  const e = error as { message?: unknown; field?: unknown; retryable?: unknown } | null;
  const body: ErrorBody = { type: errorTypeOf(error), message: String(e?.message ?? error) };
  if (typeof e?.field === "string") body.field = e.field;
  if (typeof e?.retryable === "boolean") body.retryable = e.retryable;
  return body;
}
