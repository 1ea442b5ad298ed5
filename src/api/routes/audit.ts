import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AuditLog } from "../../store/audit.ts";
import { errors, PageQuery, Time } from "../schemas.ts";

const Entry = Type.Object({
  id: Type.Integer(),
  at: Time,
  actor: Type.String(),
  role: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
  action: Type.String(),
  target: Type.Optional(Type.String()),
  result: Type.String(),
  status: Type.Integer(),
});

/** The audit log, newest first (admin only). */
export async function auditRoutes(app: FastifyInstance, deps: { audit: AuditLog }): Promise<void> {
  app.get(
    "/audit",
    {
      config: { access: "admin" },
      schema: {
        tags: ["audit"],
        summary: "Who did what, newest first",
        querystring: Type.Object(
          {
            ...PageQuery,
            actor: Type.Optional(Type.String({ minLength: 1 })),
            action: Type.Optional(
              Type.String({ minLength: 1, description: "prefix, e.g. POST /api/v1/users or login" }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Entry), next_cursor: Type.Optional(Type.String()) }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const page = await deps.audit.list(
        request.query as { limit?: number; cursor?: string; actor?: string; action?: string },
      );
      return {
        items: page.entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        ...(page.next ? { next_cursor: page.next } : {}),
      };
    },
  );
}
