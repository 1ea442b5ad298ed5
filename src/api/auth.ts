import { createHash, timingSafeEqual } from "node:crypto";
import type {} from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccessError } from "../core/errors.ts";
import { roleAllows } from "../core/roles.ts";
import type { ApiTokenStore } from "../store/api-tokens.ts";
import type { SessionStore } from "../store/sessions.ts";
import type { Principal } from "./principal.ts";

export const SESSION_COOKIE = "rampart_session";
export const CSRF_COOKIE = "rampart_csrf";
export const CSRF_HEADER = "x-csrf-token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The CSRF token of a session: derived from the session's secret, so it needs no storage and cannot be guessed. */
export function csrfTokenOf(session: string): string {
  return createHash("sha256").update(`rampart csrf\0${session}`).digest("base64url");
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AuthDeps {
  sessions: SessionStore;
  tokens: ApiTokenStore;
}

/** Who is asking, from a bearer token or the session cookie; throws for credentials that do not hold. */
async function principalOf(request: FastifyRequest, deps: AuthDeps): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match ? await deps.tokens.resolve(match[1]!) : undefined;
    if (!token) throw new AccessError("UnauthenticatedError", "the API token is unknown, expired or revoked");
    return { kind: "token", actor: `token:${token.name}`, role: token.role };
  }
  const session = request.cookies[SESSION_COOKIE];
  if (session === undefined || session === "") return undefined;
  const user = await deps.sessions.resolve(session);
  if (!user) throw new AccessError("UnauthenticatedError", "the session has ended; sign in again");
  return { kind: "user", actor: user.name, role: user.role, userId: user.id, session };
}

/**
 * Authenticates every request and enforces the role its route declares, and CSRF for state-changing
 * requests made with the session cookie (a bearer token cannot be sent by another site's page).
 */
export function installAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config?.access;
    if (access === undefined) return; // no route matched: the not-found handler answers
    let principal: Principal | undefined;
    try {
      principal = await principalOf(request, deps);
    } catch (error) {
      if (access === "public") return;
      if (request.cookies[SESSION_COOKIE] !== undefined) clearSessionCookies(reply);
      throw error;
    }
    request.principal = principal;
    if (access === "public") return;
    if (!principal)
      throw new AccessError("UnauthenticatedError", "sign in or send an API token (Authorization: Bearer …)");
    if (!roleAllows(principal.role, access))
      throw new AccessError(
        "ForbiddenError",
        `this needs the ${access} role; ${principal.actor} is ${principal.role}`,
      );
    if (principal.kind === "user" && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== "string" || !sameToken(sent, csrfTokenOf(principal.session!)))
        throw new AccessError(
          "ForbiddenError",
          `a state-changing request with the session cookie needs the ${CSRF_HEADER} header`,
        );
    }
  });
}

/** Sets the session cookie (HttpOnly) and the CSRF cookie the UI reads to fill the header. */
export function setSessionCookies(
  reply: FastifyReply,
  session: string,
  expiresAt: number,
  secure: boolean,
): void {
  const common = { path: "/", sameSite: "strict" as const, secure, expires: new Date(expiresAt) };
  reply.setCookie(SESSION_COOKIE, session, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, csrfTokenOf(session), { ...common, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
  reply.clearCookie(CSRF_COOKIE, { path: "/" });
}
