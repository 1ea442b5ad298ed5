import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { type ConnectorRegistry, operationSummary } from "../../connectors/registry.ts";
import type { Connector } from "../../connectors/sdk/index.ts";
import { NotFoundError } from "../../core/errors.ts";
import { errors, NameParam } from "../schemas.ts";

const Json = Type.Unsafe<object>({ type: "object", additionalProperties: true });

const ConnectorView = Type.Object({
  name: Type.String(),
  title: Type.String(),
  description: Type.String(),
  /** JSON Schema of a connection's config; secret fields carry `secret: true`. */
  connection: Json,
  operations: Type.Array(
    Type.Object({
      name: Type.String(),
      title: Type.String(),
      description: Type.Optional(Type.String()),
      method: Type.String(),
      path: Type.String(),
      input: Json,
      output: Json,
    }),
  ),
});

function view(c: Connector) {
  return {
    name: c.name,
    title: c.title,
    description: c.description,
    connection: c.connection,
    operations: c.operations.map(operationSummary),
  };
}

/** The connector catalog: built-in connectors and connector files, each operation with its schemas. */
export async function connectorRoutes(
  app: FastifyInstance,
  deps: { registry: ConnectorRegistry },
): Promise<void> {
  const tags = ["connectors"];
  app.get(
    "/connectors",
    {
      config: { access: "viewer" },
      schema: {
        tags,
        summary: "Every connector with its operations",
        response: { 200: Type.Object({ items: Type.Array(ConnectorView) }), ...errors(401, 403) },
      },
    },
    async () => ({ items: deps.registry.list().map(view) }),
  );
  app.get(
    "/connectors/:name",
    {
      config: { access: "viewer" },
      schema: {
        tags,
        summary: "One connector",
        params: NameParam,
        response: { 200: ConnectorView, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      const connector = deps.registry.get(name);
      if (!connector) throw new NotFoundError(`no connector named "${name}"`, { field: "name" });
      return view(connector);
    },
  );
}
