import { dig } from "./dig.ts";
import { AuthError } from "./errors.ts";
import type { HttpRequest, HttpResponse } from "./http.ts";
import type { Redactor } from "./redact.ts";

export type Config = Record<string, unknown>;

/** What an auth session may use: the connection's config, a raw (unauthenticated) sender, and the redactor. */
export interface AuthContext {
  config: Config;
  baseUrl: string;
  send(req: HttpRequest): Promise<HttpResponse>;
  redactor: Redactor;
  now(): number;
}

/** Live credentials of one connection (a cached token, say). */
export interface AuthSession {
  apply(req: HttpRequest): Promise<void> | void;
  /** Called once after a 401; resolve true to have the request sent again with fresh credentials. */
  renew?(): Promise<boolean>;
  /** Sees every authenticated reply (e.g. to keep a token that a login operation called directly returned). */
  observe?(req: HttpRequest, res: HttpResponse): void;
}

/** A reusable way of authenticating; connectors hold strategies, clients hold the sessions they create. */
export interface AuthStrategy {
  readonly kind: string;
  create(ctx: AuthContext): AuthSession;
}

function str(config: Config, key: string): string {
  const value = config[key];
  if (typeof value !== "string" || value === "")
    throw new AuthError(`connection config ${key} is missing`, { field: key });
  return value;
}

export const noAuth: AuthStrategy = { kind: "none", create: () => ({ apply() {} }) };

/** An API key from config `key`, sent in a header or the query string. */
export function apiKey(options: {
  key: string;
  in: "header" | "query";
  name: string;
  prefix?: string;
}): AuthStrategy {
  return {
    kind: "api-key",
    create: ({ config }) => ({
      apply(req) {
        const value = (options.prefix ?? "") + str(config, options.key);
        if (options.in === "header") req.headers[options.name] = value;
        else req.query[options.name] = value;
      },
    }),
  };
}

/** `Authorization: Bearer <config[key]>`. */
export function bearer(options: { key: string }): AuthStrategy {
  return apiKey({ key: options.key, in: "header", name: "authorization", prefix: "Bearer " });
}

export function basicHeader(username: string, password: string, redactor?: Redactor): string {
  const credential = `${username}:${password}`;
  // A vendor echoing the header (IronDefense does, in errors) shows user:password in base64.
  redactor?.add(credential);
  return `Basic ${Buffer.from(credential).toString("base64")}`;
}

/** HTTP Basic with the username and password found in config. */
export function basic(options: { usernameKey: string; passwordKey: string }): AuthStrategy {
  return {
    kind: "basic",
    create: ({ config, redactor }) => ({
      apply(req) {
        req.headers.authorization = basicHeader(
          str(config, options.usernameKey),
          str(config, options.passwordKey),
          redactor,
        );
      },
    }),
  };
}

/** Several strategies at once (e.g. an API key header and a tenant header). */
export function allOf(...strategies: AuthStrategy[]): AuthStrategy {
  return {
    kind: strategies.map((s) => s.kind).join("+"),
    create(ctx) {
      const sessions = strategies.map((s) => s.create(ctx));
      return {
        async apply(req) {
          for (const session of sessions) await session.apply(req);
        },
        async renew() {
          let renewed = false;
          for (const session of sessions) if (session.renew && (await session.renew())) renewed = true;
          return renewed;
        },
      };
    },
  };
}

export interface LoginTokenOptions {
  /**
   * The login call, relative to the base URL. The credentials from config go as HTTP Basic, or with
   * `credentials: "json"` as fields of a JSON body (`usernameField`/`passwordField`, default
   * `username`/`password`) merged into `body`.
   */
  login: {
    method: string;
    path: string;
    usernameKey: string;
    passwordKey: string;
    body?: unknown;
    credentials?: "basic" | "json";
    usernameField?: string;
    passwordField?: string;
  };
  /** Where the token comes back: a response header, or a dotted path into the JSON body. */
  token: { header: string } | { bodyPath: string };
  /** How the token is sent afterwards. Defaults to `Authorization: Bearer <token>`. */
  send?: { header: string; prefix: string };
}

/** Log in with Basic, keep the token, send it on every call; log in again once on a 401. */
export function loginToken(options: LoginTokenOptions): AuthStrategy {
  const send = options.send ?? { header: "authorization", prefix: "Bearer " };
  return {
    kind: "login-token",
    create(ctx) {
      let token: string | undefined;
      let pending: Promise<string> | undefined;
      const { login: spec } = options;
      const loginUrl = ctx.baseUrl + spec.path;
      const isLogin = (req: HttpRequest) => req.method === spec.method && req.url === loginUrl;
      const inBody = spec.credentials === "json";
      const credentials = () =>
        basicHeader(str(ctx.config, spec.usernameKey), str(ctx.config, spec.passwordKey), ctx.redactor);
      const loginBody = (): HttpRequest["body"] => {
        if (!inBody) return spec.body === undefined ? undefined : { kind: "json", value: spec.body };
        const extra = spec.body !== null && typeof spec.body === "object" ? spec.body : {};
        return {
          kind: "json",
          value: {
            ...extra,
            [spec.usernameField ?? "username"]: str(ctx.config, spec.usernameKey),
            [spec.passwordField ?? "password"]: str(ctx.config, spec.passwordKey),
          },
        };
      };
      const tokenOf = (res: HttpResponse): unknown =>
        "header" in options.token
          ? res.headers[options.token.header.toLowerCase()]
          : dig(res.body, options.token.bodyPath);
      const login = async (): Promise<string> => {
        const res = await ctx.send({
          method: spec.method,
          url: loginUrl,
          headers: inBody ? {} : { authorization: credentials() },
          query: {},
          body: loginBody(),
        });
        if (res.status >= 400) {
          const refused = res.status === 401 || res.status === 403;
          const reason = vendorReason(res.body);
          throw new AuthError(
            ctx.redactor.text(
              `login ${refused ? "refused" : "failed"} (HTTP ${res.status})${reason ? `: ${reason}` : ""}`,
            ),
            { status: res.status },
          );
        }
        const value = tokenOf(res);
        if (typeof value !== "string" || value === "")
          throw new AuthError("login succeeded but returned no token");
        ctx.redactor.add(value);
        return value;
      };
      const ensure = async (): Promise<string> => {
        if (token) return token;
        pending ??= login().finally(() => {
          pending = undefined;
        });
        token = await pending;
        return token;
      };
      return {
        async apply(req) {
          // A connector may expose the login call as an operation: it carries the credentials, not a token.
          if (isLogin(req)) {
            if (!inBody) req.headers.authorization = credentials();
          } else req.headers[send.header] = send.prefix + (await ensure());
        },
        async renew() {
          token = undefined;
          await ensure();
          return true;
        },
        observe(req, res) {
          if (!isLogin(req) || res.status >= 400) return;
          const value = tokenOf(res);
          if (typeof value !== "string" || value === "") return;
          ctx.redactor.add(value);
          token = value;
        },
      };
    },
  };
}

/** A short reason from a refused login's body (`msg`, `message` or `error`), when it has one. */
function vendorReason(body: unknown): string | undefined {
  if (typeof body === "string") return body.slice(0, 200) || undefined;
  if (body === null || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  const reason = [b.msg, b.message, b.error].find((v) => typeof v === "string");
  return (reason as string | undefined)?.slice(0, 200);
}

export interface OAuth2ClientCredentialsOptions {
  tokenUrl(config: Config): string;
  /** Sent as `scope` unless undefined or empty. */
  scope(config: Config): string | undefined;
  /** Sent as `audience` (Auth0, Okta and others want one) unless undefined or empty. */
  audience?(config: Config): string | undefined;
  clientIdKey: string;
  clientSecretKey: string;
  /** Renew this long before the token's stated expiry. */
  renewBeforeMs?: number;
}

/** OAuth2 client-credentials grant; the access token is cached until shortly before it expires. */
export function oauth2ClientCredentials(options: OAuth2ClientCredentialsOptions): AuthStrategy {
  const margin = options.renewBeforeMs ?? 60_000;
  return {
    kind: "oauth2-client-credentials",
    create(ctx) {
      let cached: { token: string; expiresAt: number } | undefined;
      let pending: Promise<{ token: string; expiresAt: number }> | undefined;
      const fetchToken = async () => {
        const res = await ctx.send({
          method: "POST",
          url: options.tokenUrl(ctx.config),
          headers: {},
          query: {},
          body: {
            kind: "form",
            value: {
              grant_type: "client_credentials",
              client_id: str(ctx.config, options.clientIdKey),
              client_secret: str(ctx.config, options.clientSecretKey),
              scope: options.scope(ctx.config) || undefined,
              audience: options.audience?.(ctx.config) || undefined,
            },
          },
        });
        const body = (res.body ?? {}) as Record<string, unknown>;
        if (res.status >= 400 || typeof body.access_token !== "string") {
          const reason = typeof body.error === "string" ? body.error : `HTTP ${res.status}`;
          throw new AuthError(`token request refused: ${reason}`, { status: res.status });
        }
        ctx.redactor.add(body.access_token);
        const lifetimeS = Number(body.expires_in ?? 3600);
        return { token: body.access_token, expiresAt: ctx.now() + lifetimeS * 1000 };
      };
      const ensure = async (): Promise<string> => {
        if (cached && ctx.now() < cached.expiresAt - margin) return cached.token;
        pending ??= fetchToken().finally(() => {
          pending = undefined;
        });
        cached = await pending;
        return cached.token;
      };
      return {
        async apply(req) {
          req.headers.authorization = `Bearer ${await ensure()}`;
        },
        async renew() {
          cached = undefined;
          await ensure();
          return true;
        },
      };
    },
  };
}
