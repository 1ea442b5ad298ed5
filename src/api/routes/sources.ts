import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Runtime } from "../../app/runtime.ts";
import { NotFoundError, ValidationError } from "../../core/errors.ts";
import { parseDuration } from "../../engine/duration.ts";
import type { SourceRecord } from "../../store/sources.ts";
import { errors, iso, NameParam } from "../schemas.ts";

const Json = Type.Unsafe<unknown>({});

const SourceView = Type.Object({
  name: Type.String(),
  connection: Type.String(),
  connector: Type.String(),
  every_ms: Type.Integer(),
  failures: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  last_polled_at: Type.Union([Type.String(), Type.Null()]),
  last_success_at: Type.Union([Type.String(), Type.Null()]),
  next_poll_at: Type.Union([Type.String(), Type.Null()]),
  paused_at: Type.Union([Type.String(), Type.Null()]),
  /** The last poll this service made: counts of new, updated and unchanged alerts. */
  last_poll: Json,
});

/** Alert sources and their status (admin to change, viewer to read). */
export function sourceRoutes(runtime: Runtime) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ["sources"];
    const view = (s: SourceRecord) => ({
      name: s.name,
      connection: s.connection,
      connector: s.connector,
      every_ms: s.intervalMs,
      failures: s.failures,
      last_error: s.lastError ?? null,
      last_polled_at: iso(s.lastPolledAt) ?? null,
      last_success_at: iso(s.lastSuccessAt) ?? null,
      next_poll_at: s.pausedAt === undefined && s.nextPollAt ? iso(s.nextPollAt)! : null,
      paused_at: iso(s.pausedAt) ?? null,
      last_poll: runtime.lastPolls.get(s.name) ?? null,
    });

    app.get(
      "/sources",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "Alert sources with their polling status",
          response: { 200: Type.Object({ items: Type.Array(SourceView) }), ...errors(401) },
        },
      },
      async () => ({ items: (await runtime.sources.list()).map(view) }),
    );

    app.get(
      "/sources/:name",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "One source's status",
          params: NameParam,
          response: { 200: SourceView, ...errors(401, 404) },
        },
      },
      async (request) => {
        const { name } = request.params as { name: string };
        const source = await runtime.sources.get(name);
        if (!source) throw new NotFoundError(`no source named "${name}"`, { field: "name" });
        return view(source);
      },
    );

    app.post(
      "/sources",
      {
        config: { access: "admin" },
        schema: {
          tags,
          summary: "Add an alert source polling a saved connection",
          body: Type.Object(
            {
              name: Type.String(),
              connection: Type.String({ minLength: 1 }),
              every: Type.Optional(Type.String({ description: "e.g. 1m (default), 30s, 1h" })),
            },
            { additionalProperties: false },
          ),
          response: { 201: SourceView, ...errors(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const body = request.body as { name: string; connection: string; every?: string };
        const saved = (await runtime.connections.list()).find((c) => c.name === body.connection);
        if (!saved)
          throw new ValidationError(`no connection named "${body.connection}"`, { field: "connection" });
        const added = await runtime.sources.add({
          name: body.name,
          connection: saved.name,
          connector: saved.connector,
          intervalMs: parseDuration(body.every ?? "1m", "every"),
        });
        runtime.wakeIngestion();
        return reply.code(201).send(view(added));
      },
    );

    app.patch(
      "/sources/:name",
      {
        config: { access: "admin" },
        schema: {
          tags,
          summary: "Pause or resume a source, or change how often it polls",
          params: NameParam,
          body: Type.Object(
            { paused: Type.Optional(Type.Boolean()), every: Type.Optional(Type.String({ minLength: 1 })) },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: SourceView, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { name } = request.params as { name: string };
        const body = request.body as { paused?: boolean; every?: string };
        let source = await runtime.sources.get(name);
        if (!source) throw new NotFoundError(`no source named "${name}"`, { field: "name" });
        if (body.every !== undefined)
          source = await runtime.sources.setInterval(name, parseDuration(body.every, "every"));
        if (body.paused !== undefined) source = await runtime.sources.setPaused(name, body.paused);
        runtime.wakeIngestion();
        return view(source);
      },
    );

    app.delete(
      "/sources/:name",
      {
        config: { access: "admin" },
        schema: {
          tags,
          summary: "Remove a source (its alerts stay)",
          params: NameParam,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { name } = request.params as { name: string };
        if (!(await runtime.sources.remove(name)))
          throw new NotFoundError(`no source named "${name}"`, { field: "name" });
        return reply.code(204).send();
      },
    );
  };
}
