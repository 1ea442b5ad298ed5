import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** One registry per service: HTTP durations here; the service's other parts add their own metrics to it. */
export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "rampart_" });
  return registry;
}

/** Times every request by method, route pattern (never the raw URL: ids would explode the series) and status. */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const durations = new Histogram({
    name: "rampart_http_request_duration_seconds",
    help: "API request durations",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook("onResponse", async (request, reply) => {
    durations.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
