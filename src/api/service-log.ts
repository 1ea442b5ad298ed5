import type { FastifyServerOptions } from "fastify";

/**
 * The service's log: JSON lines (pino, through Fastify) on standard error, so standard output keeps
 * only the lines a person or a supervisor reads. Credential headers are censored should a request
 * ever be logged with them.
 */
export function serviceLog(level = "info"): NonNullable<FastifyServerOptions["logger"]> {
  return {
    level,
    stream: process.stderr,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
      ],
      censor: "[redacted]",
    },
  };
}
