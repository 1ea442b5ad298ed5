import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { errors } from "../schemas.ts";

export interface HealthDeps {
  /** Resolves when the store answers and every migration is applied; throws saying what is wrong. */
  ready(): Promise<void>;
  metrics: Registry;
}

/** `/healthz` (the process answers), `/readyz` (it can serve), `/metrics` (Prometheus). */
export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  const Status = Type.Object({ status: Type.String() });
  app.get(
    "/healthz",
    {
      config: { access: "public" },
      schema: { tags: ["health"], summary: "The process is up", response: { 200: Status } },
    },
    async () => ({ status: "ok" }),
  );
  app.get(
    "/readyz",
    {
      config: { access: "public" },
      schema: {
        tags: ["health"],
        summary: "The store is reachable and migrated",
        response: { 200: Status, 503: Type.Object({ status: Type.String(), reason: Type.String() }) },
      },
    },
    async (_request, reply) => {
      try {
        await deps.ready();
        return { status: "ready" };
      } catch (error) {
        return reply.code(503).send({ status: "unavailable", reason: (error as Error).message });
      }
    },
  );
  app.get(
    "/metrics",
    {
      config: { access: "viewer" },
      schema: { tags: ["health"], summary: "Prometheus metrics", response: errors(401, 403) },
    },
    async (_request, reply) => {
      reply.header("content-type", deps.metrics.contentType);
      return deps.metrics.metrics();
    },
  );
}
