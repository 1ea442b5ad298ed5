import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { AccessError } from "../../core/errors.ts";
import type { AuditLog } from "../../store/audit.ts";
import type { SessionStore } from "../../store/sessions.ts";
import type { UserStore } from "../../store/users.ts";
import { resultOf } from "../audit-hook.ts";
import { clearSessionCookies, csrfTokenOf, setSessionCookies } from "../auth.ts";
import { errors, RoleSchema, Time } from "../schemas.ts";

export interface SessionDeps {
  users: UserStore;
  sessions: SessionStore;
  audit: AuditLog;
  /** Whether cookies always get `Secure` (served over TLS); a request a trusted proxy says came over HTTPS gets it too. */
  secureCookies: boolean;
  /** Sign-in attempts allowed per address per minute. */
  loginAttemptsPerMinute: number;
}

const Me = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  kind: Type.Unsafe<"user" | "token">({ type: "string", enum: ["user", "token"] }),
});

/** Sign in (a session cookie), sign out, and who am I. */
export async function sessionRoutes(app: FastifyInstance, deps: SessionDeps): Promise<void> {
  app.post(
    "/auth/login",
    {
      config: {
        access: "public",
        auditAction: "login",
        rateLimit: { max: deps.loginAttemptsPerMinute, timeWindow: 60_000 },
      },
      schema: {
        tags: ["auth"],
        summary: "Sign in with a name and password; sets the session cookie",
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 63 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ user: Me, csrf_token: Type.String(), expires_at: Time }),
          ...errors(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const { name, password } = request.body as { name: string; password: string };
      const user = await deps.users.authenticate(name, password);
      const status = user ? 200 : 401;
      await deps.audit.append({
        actor: user?.name ?? "anonymous",
        role: user?.role,
        address: request.ip,
        action: "login",
        target: `name=${name.slice(0, 63)}`,
        result: resultOf(status),
        status,
      });
      request.audited = true;
      if (!user) throw new AccessError("UnauthenticatedError", "the name or the password is wrong");
      const session = await deps.sessions.open(user, request.ip);
      setSessionCookies(
        reply,
        session.token,
        session.expiresAt,
        deps.secureCookies || request.protocol === "https",
      );
      return {
        user: { name: user.name, role: user.role, kind: "user" },
        csrf_token: csrfTokenOf(session.token),
        expires_at: new Date(session.expiresAt).toISOString(),
      };
    },
  );

  app.post(
    "/auth/logout",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["auth"],
        summary: "End this session",
        response: { 204: Type.Null(), ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      if (request.principal?.session) await deps.sessions.close(request.principal.session);
      clearSessionCookies(reply);
      return reply.code(204).send();
    },
  );

  app.get(
    "/auth/me",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["auth"],
        summary: "Who is asking",
        response: {
          200: Type.Object({ user: Me, csrf_token: Type.Optional(Type.String()) }),
          ...errors(401),
        },
      },
    },
    async (request) => {
      const p = request.principal!;
      const name = p.kind === "token" ? p.actor.slice("token:".length) : p.actor;
      return {
        user: { name, role: p.role, kind: p.kind },
        ...(p.session ? { csrf_token: csrfTokenOf(p.session) } : {}),
      };
    },
  );
}
