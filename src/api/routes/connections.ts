import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Runtime } from "../../app/runtime.ts";
import { errorBody, NotFoundError, ValidationError } from "../../core/errors.ts";
import type { ConnectionSummary } from "../../store/connections.ts";
import { errors, NameParam } from "../schemas.ts";

const Json = Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true });

const ConnectionView = Type.Object({
  name: Type.String(),
  connector: Type.String(),
  /** The config with every secret field shown as [REDACTED]: secrets are write-only. */
  config: Json,
  created_at: Type.String(),
  updated_at: Type.String(),
});

function view(c: ConnectionSummary) {
  return {
    name: c.name,
    connector: c.connector,
    config: c.config,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

/** Saved connections (admin to change, viewer to read): the connector's schema checks the config; secrets never come back. */
export function connectionRoutes(runtime: Runtime) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ["connections"];
    const summaryOf = async (name: string) => {
      const found = (await runtime.connections.list()).find((c) => c.name === name);
      if (!found) throw new NotFoundError(`no connection named "${name}"`, { field: "name" });
      return found;
    };

    app.get(
      "/connections",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "Saved connections, secrets redacted",
          response: { 200: Type.Object({ items: Type.Array(ConnectionView) }), ...errors(401) },
        },
      },
      async () => ({ items: (await runtime.connections.list()).map(view) }),
    );

    app.get(
      "/connections/:name",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "One saved connection, secrets redacted",
          params: NameParam,
          response: { 200: ConnectionView, ...errors(401, 404) },
        },
      },
      async (request) => view(await summaryOf((request.params as { name: string }).name)),
    );

    app.post(
      "/connections",
      {
        config: { access: "admin" },
        schema: {
          tags,
          summary: "Save a connection; its config is checked against the connector's connection schema",
          body: Type.Object(
            { name: Type.String(), connector: Type.String(), config: Json },
            { additionalProperties: false },
          ),
          response: { 201: ConnectionView, ...errors(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const body = request.body as { name: string; connector: string; config: Record<string, unknown> };
        if (!runtime.registry.get(body.connector))
          throw new ValidationError(`unknown connector "${body.connector}"`, { field: "connector" });
        const added = await runtime.connections.add(body);
        await runtime.refreshSecrets();
        return reply.code(201).send(view(added));
      },
    );

    app.put(
      "/connections/:name",
      {
        config: { access: "admin" },
        schema: {
          tags,
          summary: "Replace a connection's whole config (e.g. a rotated token)",
          params: NameParam,
          body: Type.Object({ config: Json }, { additionalProperties: false }),
          response: { 200: ConnectionView, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { name } = request.params as { name: string };
        const updated = await runtime.connections.update(name, (request.body as { config: unknown }).config);
        // The next call opens a client with the new config (new token session, new pool).
        await runtime.clients.forget(name);
        await runtime.refreshSecrets();
        return view(updated);
      },
    );

    app.delete(
      "/connections/:name",
      {
        config: { access: "admin" },
        schema: {
          tags,
          summary: "Delete a saved connection",
          params: NameParam,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { name } = request.params as { name: string };
        await runtime.connections.remove(name);
        await runtime.clients.forget(name);
        return reply.code(204).send();
      },
    );

    app.post(
      "/connections/:name/test",
      {
        config: { access: "responder" },
        schema: {
          tags,
          summary: "Call the connector's cheapest read-only operation with this connection",
          params: NameParam,
          response: {
            200: Type.Object({ ok: Type.Boolean(), operation: Type.String(), error: Type.Optional(Json) }),
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const saved = await summaryOf((request.params as { name: string }).name);
        const connector = runtime.registry.get(saved.connector);
        if (!connector?.test)
          throw new ValidationError(`connector ${saved.connector} declares no test operation`, {
            field: "name",
          });
        const client = await runtime.clients.get(saved.name);
        try {
          await client.call(connector.test.operation, connector.test.input ?? {});
          return { ok: true, operation: connector.test.operation };
        } catch (error) {
          return {
            ok: false,
            operation: connector.test.operation,
            error: errorBody(error) as unknown as Record<string, unknown>,
          };
        }
      },
    );
  };
}
