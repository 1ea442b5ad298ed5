import type { Role } from "../core/roles.ts";

/** Who is asking: a signed-in user (browser session) or an API token. */
export interface Principal {
  kind: "user" | "token";
  /** The user's name, or `token:<name>`: what the audit log records. */
  actor: string;
  role: Role;
  userId?: string;
  /** The session cookie's value, for CSRF checks and logout; only for `kind: "user"`. */
  session?: string;
}

/** What a route needs: a role, or nothing (`public`: health checks, sign-in, the API reference). */
export type Access = Role | "public";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Every route names the role it needs; the server refuses to start with a route that does not. */
    access?: Access;
    /** The audit action, when not `METHOD /route`. */
    auditAction?: string;
  }
  interface FastifyRequest {
    principal?: Principal;
    /** Set by a route that wrote its own audit row (sign-in), so the hook does not write a second. */
    audited?: boolean;
  }
}
