import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccessError, classify, errorBody, NotFoundError, ValidationError } from "../core/errors.ts";

/** The one error body of the API: `{"error": {"type", "message", "field"?, "retryable"?}}`. */
export const ErrorResponse = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["type", "message"],
      properties: {
        type: { type: "string" },
        message: { type: "string" },
        field: { type: "string" },
        retryable: { type: "boolean" },
      },
    },
  },
} as const;

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}

/** A request-schema failure as a ValidationError naming the field (`name`, `limit`, `tags.0`). */
function validationError(error: FastifyError): ValidationError {
  const issue = (error.validation?.[0] ?? {}) as AjvIssue;
  const path = (issue.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
  const leaf = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  const field = [path, leaf].filter(Boolean).join(".") || (error.validationContext ?? "body");
  const where = error.validationContext === "body" ? "" : `${error.validationContext} `;
  const message = issue.params?.additionalProperty
    ? `${where}${field} is not a known field`
    : issue.params?.missingProperty
      ? `${where}${field} is required`
      : `${where}${field} ${issue.message ?? "is invalid"}`;
  return new ValidationError(message, { field });
}

/** Fastify's own failures (a body too large, bad JSON, a wrong content type) in Rampart's taxonomy. */
function fromFastify(error: FastifyError): unknown {
  if (error.validation) return validationError(error);
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AccessError("PayloadTooLargeError", "the request body is larger than this route accepts");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ValidationError(`the body is not valid JSON: ${error.message}`, { field: "body" });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ValidationError("the body must be application/json", { field: "content-type" });
  }
  return error;
}

/**
 * What Fastify's router refuses before any route runs (a malformed URL, a path parameter over
 * `maxParamLength`), answered with the same error body as everything else.
 */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const refused =
    error.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? new ValidationError("a path parameter is longer than 100 characters", { field: "path" })
      : error.code === "FST_ERR_BAD_URL"
        ? new ValidationError("the URL is not valid (a bad percent-encoding?)", { field: "path" })
        : new ValidationError(`the request was refused: ${error.message}`, { field: "request" });
  void reply.code(400).send({ error: errorBody(refused) });
}

/** Maps every error to its status and body; an unexpected one is logged and answered without its details. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const error = fromFastify(raw);
    const row = classify(error);
    if (row.kind === "unexpected") {
      if (typeof raw.statusCode === "number" && raw.statusCode >= 400 && raw.statusCode < 500) {
        return reply.code(raw.statusCode).send({ error: { type: "BadRequest", message: raw.message } });
      }
      request.log.error({ err: raw }, "unexpected error");
      return reply
        .code(500)
        .send({ error: { type: "Error", message: "internal error; see the service log" } });
    }
    return reply.code(row.httpStatus).send({ error: errorBody(error) });
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new NotFoundError(`no route ${request.method} ${request.url.split("?")[0]}`);
    return reply.code(404).send({ error: errorBody(error) });
  });
}
