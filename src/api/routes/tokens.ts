import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ApiToken, ApiTokenStore } from "../../store/api-tokens.ts";
import { ForbiddenRole } from "../forbidden-role.ts";
import { errors, iso, NameParam, RoleSchema, Time } from "../schemas.ts";

const TokenView = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  created_by: Type.String(),
  created_at: Time,
  expires_at: Type.Optional(Time),
  last_used_at: Type.Optional(Time),
  revoked_at: Type.Optional(Time),
});

export function tokenView(token: ApiToken) {
  return {
    name: token.name,
    role: token.role,
    created_by: token.createdBy,
    created_at: iso(token.createdAt)!,
    expires_at: iso(token.expiresAt),
    last_used_at: iso(token.lastUsedAt),
    revoked_at: iso(token.revokedAt),
  };
}

/** API tokens for machines (admin only): the secret is in the creation answer and nowhere else. */
export async function tokenRoutes(
  app: FastifyInstance,
  deps: { tokens: ApiTokenStore; now?: () => number },
): Promise<void> {
  const { tokens } = deps;
  const now = deps.now ?? Date.now;
  const tags = ["tokens"];

  app.get(
    "/tokens",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "List API tokens (never their secrets)",
        response: { 200: Type.Object({ items: Type.Array(TokenView) }), ...errors(401, 403) },
      },
    },
    async () => ({ items: (await tokens.list()).map(tokenView) }),
  );

  app.post(
    "/tokens",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "Create an API token; its secret is shown once",
        body: Type.Object(
          {
            name: Type.String(),
            role: RoleSchema,
            expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ token: TokenView, secret: Type.String() }),
          ...errors(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; role: string; expires_in_days?: number };
      ForbiddenRole.check(request.principal!, body.role);
      const created = await tokens.create({
        name: body.name,
        role: body.role,
        createdBy: request.principal!.actor,
        expiresAt: body.expires_in_days === undefined ? undefined : now() + body.expires_in_days * 86_400_000,
      });
      return reply.code(201).send({ token: tokenView(created.token), secret: created.secret });
    },
  );

  app.delete(
    "/tokens/:name",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "Revoke an API token",
        params: NameParam,
        response: { 200: TokenView, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => tokenView(await tokens.revoke((request.params as { name: string }).name)),
  );
}
