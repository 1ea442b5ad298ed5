import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ConflictError } from "../../core/errors.ts";
import type { User, UserStore } from "../../store/users.ts";
import { errors, iso, NameParam, RoleSchema, Time } from "../schemas.ts";

const UserView = Type.Object({ name: Type.String(), role: RoleSchema, created_at: Time, updated_at: Time });

function view(user: User) {
  return {
    name: user.name,
    role: user.role,
    created_at: iso(user.createdAt)!,
    updated_at: iso(user.updatedAt)!,
  };
}

/** Users and their roles (admin only); passwords go in, never out. */
export async function userRoutes(app: FastifyInstance, deps: { users: UserStore }): Promise<void> {
  const { users } = deps;
  const tags = ["users"];

  /** Refuses a change that would leave nobody able to administer the service. */
  async function keepAnAdmin(name: string, newRole?: string): Promise<void> {
    const user = await users.get(name);
    if (user.role !== "admin" || newRole === "admin") return;
    const admins = (await users.list()).filter((u) => u.role === "admin");
    if (admins.length <= 1) throw new ConflictError(`"${name}" is the last admin`, { field: "name" });
  }

  app.get(
    "/users",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "List users",
        response: { 200: Type.Object({ items: Type.Array(UserView) }), ...errors(401, 403) },
      },
    },
    async () => ({ items: (await users.list()).map(view) }),
  );

  app.post(
    "/users",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "Add a user",
        body: Type.Object(
          { name: Type.String(), role: RoleSchema, password: Type.String() },
          { additionalProperties: false },
        ),
        response: { 201: UserView, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; role: string; password: string };
      return reply.code(201).send(view(await users.add(body)));
    },
  );

  app.patch(
    "/users/:name",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "Change a user's role or password (ends the user's sessions)",
        params: NameParam,
        body: Type.Object(
          { role: Type.Optional(RoleSchema), password: Type.Optional(Type.String()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      const body = request.body as { role?: string; password?: string };
      await keepAnAdmin(name, body.role);
      return view(await users.update(name, body));
    },
  );

  app.delete(
    "/users/:name",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "Remove a user",
        params: NameParam,
        response: { 204: Type.Null(), ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      await keepAnAdmin(name);
      await users.remove(name);
      return reply.code(204).send();
    },
  );
}
