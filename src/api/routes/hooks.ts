import { createHash, randomUUID, randomUUIDv7 } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ValidationError } from "../../connectors/sdk/index.ts";
import { classify, errorBody } from "../../core/errors.ts";
import { parseDuration } from "../../engine/duration.ts";
import { derivedRunId } from "../../engine/run-id.ts";
import type { RunCause, RunStatus, StepErrorData } from "../../engine/run-store.ts";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyDelivery } from "../webhooks/signature.ts";

/** A playbook that declares `trigger.webhook`, as the hook route needs it. */
export interface HookTarget {
  name: string;
  auth: "signature" | "token" | "either";
  /** Checks a delivery's JSON body against the playbook's `inputs`; a ValidationError names the field. */
  checkInput(body: unknown): unknown;
}

/** How a run ended, as `waitForEnd` reports it. */
export interface RunEnd {
  status: RunStatus;
  outputs: unknown;
  error: StepErrorData | null;
  message: string | null;
}

/** One delivery that carried an Idempotency-Key, and the run it started. */
export interface DeliveryRecord {
  playbook: string;
  idempotencyKey: string;
  runId: string;
  bodySha256: string;
}

export interface HooksOptions {
  /** The webhook playbook of this name, or undefined (unknown, or no `trigger.webhook`). */
  target(name: string): HookTarget | undefined;
  /** The playbook's signing secret, or undefined when none was created. */
  secretOf(playbook: string): Promise<string | undefined>;
  deliveries: {
    find(playbook: string, idempotencyKey: string): Promise<DeliveryRecord | undefined>;
    /** Records a delivery unless its key is taken; returns the row that stands. */
    record(delivery: DeliveryRecord): Promise<DeliveryRecord>;
  };
  /** Starts a run (an existing id starts nothing) and returns its id once the run is recorded. */
  startRun(request: { playbook: string; input: unknown; runId: string; cause: RunCause }): Promise<string>;
  /** The run's end, or null if it has not ended by `deadlineMs` (epoch milliseconds). */
  waitForEnd(runId: string, deadlineMs: number): Promise<RunEnd | null>;
  /** The API token the request carries (the API's own check), or null; without it token auth always fails. */
  authenticateToken?(request: FastifyRequest): Promise<{ name: string } | null>;
  /** Epoch milliseconds; tests move it. */
  now?: () => number;
  /** The longest `?wait` allowed (default 5 minutes). */
  maxWaitMs?: number;
}

const DEFAULT_MAX_WAIT_MS = 300_000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

class HookError extends Error {
  readonly status: number;
  readonly type: string;
  readonly field?: string;

  constructor(status: number, type: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.type = type;
    this.field = field;
  }
}

/** `POST /hooks/<playbook>`: a signed (or token-carrying) delivery starts a run with its JSON body as input. */
export default async function hooksRoutes(api: FastifyInstance, options: HooksOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;

  // The signature covers the exact bytes sent, so the body is kept raw and parsed here, not by Fastify.
  api.removeAllContentTypeParsers();
  api.addContentTypeParser(["application/json", "text/plain"], { parseAs: "buffer" }, (_req, body, done) =>
    done(null, body),
  );
  api.setErrorHandler((error, _request, reply) => sendError(reply, error));

  api.post<{ Params: { playbook: string }; Querystring: { wait?: string } }>(
    "/hooks/:playbook",
    // The route proves its sender itself (a signature or a token), so to the API's own check it is public.
    { config: { access: "public" } },
    async (request, reply) => {
      const target = options.target(request.params.playbook);
      if (!target)
        throw new HookError(404, "NotFoundError", `no playbook "${request.params.playbook}" takes webhooks`);
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const authenticatedBy = await authenticate(target, request, raw);
      const waitMs = waitOf(request.query.wait, maxWaitMs);
      const input = target.checkInput(parseBody(raw));
      const key = idempotencyKeyOf(request.headers["idempotency-key"]);
      const bodySha256 = createHash("sha256").update(raw).digest("hex");

      let runId: string;
      const earlier = key ? await options.deliveries.find(target.name, key) : undefined;
      if (earlier) {
        if (earlier.bodySha256 !== bodySha256)
          throw new HookError(
            409,
            "ConflictError",
            "this Idempotency-Key was used for a delivery with another body",
            "Idempotency-Key",
          );
        runId = earlier.runId;
      } else {
        // With a key the id derives from it, so a crash between the start and the ledger row cannot double the run.
        const id = key ? derivedRunId(`webhook\0${target.name}\0${key}`) : randomUUIDv7();
        const cause: RunCause = { kind: "webhook", authenticatedBy, ...(key ? { idempotencyKey: key } : {}) };
        runId = await options.startRun({ playbook: target.name, input, runId: id, cause });
        if (key)
          runId = (
            await options.deliveries.record({ playbook: target.name, idempotencyKey: key, runId, bodySha256 })
          ).runId;
      }
      if (waitMs === undefined) return reply.code(202).send({ run_id: runId, status: "started" });
      const end = await options.waitForEnd(runId, now() + waitMs);
      if (!end || end.status === "queued" || end.status === "running" || end.status === "waiting")
        return reply.code(202).send({ run_id: runId, status: end?.status ?? "running" });
      if (end.status === "succeeded")
        return reply.code(200).send({ run_id: runId, status: end.status, outputs: end.outputs ?? null });
      return reply.code(422).send({
        run_id: runId,
        status: end.status,
        error: {
          type: "RunFailed",
          message:
            end.message ??
            end.error?.message ??
            `the run ${end.status === "cancelled" ? "was cancelled" : "failed"}`,
        },
      });
    },
  );

  async function authenticate(target: HookTarget, request: FastifyRequest, raw: Buffer): Promise<string> {
    const signature = header(request, SIGNATURE_HEADER);
    const useSignature = target.auth === "signature" || (target.auth === "either" && signature !== undefined);
    if (!useSignature) {
      const principal = options.authenticateToken ? await options.authenticateToken(request) : null;
      if (!principal)
        throw new HookError(
          401,
          "AuthError",
          target.auth === "token"
            ? "this webhook needs an API token (Authorization: Bearer <token>)"
            : "this webhook needs an X-Rampart-Signature or an API token",
        );
      return `token:${principal.name}`;
    }
    const secret = await options.secretOf(target.name);
    const verdict = verifyDelivery({
      // A playbook without a secret refuses every signature, without saying so to an unknown caller.
      secret: secret ?? randomUUID(),
      body: raw,
      signature,
      timestamp: header(request, TIMESTAMP_HEADER),
      now: now(),
    });
    if (!verdict.ok) throw new HookError(401, "AuthError", verdict.message);
    return "signature";
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function waitOf(text: string | undefined, maxWaitMs: number): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text, "wait");
  if (ms > maxWaitMs)
    throw new ValidationError(`wait must be at most ${maxWaitMs / 1000}s (got "${text}")`, { field: "wait" });
  return ms;
}

function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new ValidationError("the body is not JSON", { field: "body" });
  }
}

function idempotencyKeyOf(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const key = Array.isArray(value) ? value[0]! : value;
  if (!IDEMPOTENCY_KEY.test(key))
    throw new ValidationError("Idempotency-Key must be 1 to 255 visible ASCII characters", {
      field: "Idempotency-Key",
    });
  return key;
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof HookError) {
    return reply.code(error.status).send({
      error: { type: error.type, message: error.message, ...(error.field ? { field: error.field } : {}) },
    });
  }
  const e = error as { message?: string; statusCode?: number };
  const row = classify(error);
  if (row.kind !== "unexpected") return reply.code(row.httpStatus).send({ error: errorBody(error) });
  // Fastify's own refusals (an unsupported media type, a body over the limit) keep their 4xx status.
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500)
    return reply
      .code(e.statusCode)
      .send({ error: { type: "ValidationError", message: e.message ?? "bad request", field: "body" } });
  reply.log.error({ err: error }, "webhook delivery failed");
  return reply.code(500).send({ error: { type: "Error", message: "the delivery could not be handled" } });
}
