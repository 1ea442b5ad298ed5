import { type Static, Type } from "@sinclair/typebox";
import type { AuthSession, AuthStrategy, Config } from "../sdk/index.ts";
import { type AuthSpec, strategyOf } from "./auth-spec.ts";

// The `auth` block of an http connection: which SDK strategy, with its own secrets inside the block.

const secret = (description: string) => Type.String({ minLength: 1, secret: true, description });
const text = (description: string) => Type.String({ minLength: 1, description });

const TYPES = ["none", "api-key", "bearer", "basic", "login-token", "oauth2-client-credentials"];

const requires = (type: string, required: string[]) => ({
  if: { properties: { type: { const: type } }, required: ["type"] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword.
  then: { required },
});

export const AuthBlock = Type.Object(
  {
    type: Type.Unsafe<string>({
      type: "string",
      enum: TYPES,
      description: `how requests authenticate: ${TYPES.join(", ")}`,
    }),
    in: Type.Optional(
      Type.Unsafe<"header" | "query">({
        type: "string",
        enum: ["header", "query"],
        description: "api-key: where the key goes (default header)",
      }),
    ),
    name: Type.Optional(text("api-key: the header or query parameter name, e.g. X-Api-Key")),
    prefix: Type.Optional(Type.String({ description: 'api-key: text before the key, e.g. "Token "' })),
    key: Type.Optional(secret("api-key: the key")),
    token: Type.Optional(secret("bearer: the token")),
    username: Type.Optional(text("basic, login-token: the username")),
    password: Type.Optional(secret("basic, login-token: the password")),
    login_path: Type.Optional(
      Type.String({ pattern: "^/", description: "login-token: login path, e.g. /login" }),
    ),
    login_method: Type.Optional(
      Type.Unsafe<string>({
        type: "string",
        enum: ["GET", "POST", "PUT"],
        description: "login-token: default POST",
      }),
    ),
    credentials: Type.Optional(
      Type.Unsafe<"basic" | "json">({
        type: "string",
        enum: ["basic", "json"],
        description: "login-token: send the username and password as HTTP Basic (default) or in a JSON body",
      }),
    ),
    username_field: Type.Optional(
      text("login-token, json credentials: body field of the username (default username)"),
    ),
    password_field: Type.Optional(
      text("login-token, json credentials: body field of the password (default password)"),
    ),
    token_header: Type.Optional(text("login-token: response header carrying the token")),
    token_path: Type.Optional(
      text("login-token: dotted path to the token in the JSON reply (default token)"),
    ),
    send_header: Type.Optional(text("login-token: header the token is sent in (default authorization)")),
    send_prefix: Type.Optional(
      Type.String({ description: 'login-token: text before the token (default "Bearer ")' }),
    ),
    token_url: Type.Optional(
      Type.String({ format: "uri", description: "oauth2-client-credentials: token endpoint" }),
    ),
    client_id: Type.Optional(text("oauth2-client-credentials: client id")),
    client_secret: Type.Optional(secret("oauth2-client-credentials: client secret")),
    scope: Type.Optional(Type.String({ description: "oauth2-client-credentials: scope (space-separated)" })),
    audience: Type.Optional(
      Type.String({ description: "oauth2-client-credentials: audience, when the server wants one" }),
    ),
  },
  {
    additionalProperties: false,
    description: "the SDK auth strategy and its secrets",
    allOf: [
      requires("api-key", ["name", "key"]),
      requires("bearer", ["token"]),
      requires("basic", ["username", "password"]),
      requires("login-token", ["login_path", "username", "password"]),
      requires("oauth2-client-credentials", ["token_url", "client_id", "client_secret"]),
    ],
  },
);

export type AuthBlock = Static<typeof AuthBlock>;

/** The auth spec a block stands for; its config keys name the block's own fields. */
export function specOfBlock(block: AuthBlock): AuthSpec {
  switch (block.type) {
    case "api-key":
      return {
        type: "api-key",
        key: "key",
        in: block.in ?? "header",
        name: block.name!,
        prefix: block.prefix,
      };
    case "bearer":
      return { type: "bearer", key: "token" };
    case "basic":
      return { type: "basic", usernameKey: "username", passwordKey: "password" };
    case "login-token":
      return {
        type: "login-token",
        login: {
          method: block.login_method ?? "POST",
          path: block.login_path!,
          usernameKey: "username",
          passwordKey: "password",
          credentials: block.credentials,
          usernameField: block.username_field,
          passwordField: block.password_field,
        },
        token: block.token_header
          ? { header: block.token_header }
          : { bodyPath: block.token_path ?? "token" },
        send: { header: block.send_header ?? "authorization", prefix: block.send_prefix ?? "Bearer " },
      };
    case "oauth2-client-credentials":
      return {
        type: "oauth2-client-credentials",
        tokenUrl: "{token_url}",
        scope: block.scope ? "{scope}" : undefined,
        audience: block.audience ? "{audience}" : undefined,
        clientIdKey: "client_id",
        clientSecretKey: "client_secret",
      };
    default:
      return { type: "none" };
  }
}

/**
 * The http connector's strategy: the connection's default headers on every request (a request's
 * own header of the same name wins), then the auth block's strategy, reading the block as its config.
 */
export const connectionAuth: AuthStrategy = {
  kind: "connection",
  create(ctx) {
    const block = (ctx.config.auth ?? { type: "none" }) as AuthBlock;
    const defaults = Object.entries((ctx.config.headers ?? {}) as Record<string, string>).map(
      ([name, value]) => [name.toLowerCase(), value] as const,
    );
    const inner: AuthSession = strategyOf(specOfBlock(block)).create({ ...ctx, config: block as Config });
    return {
      async apply(req) {
        for (const [name, value] of defaults) if (!(name in req.headers)) req.headers[name] = value;
        await inner.apply(req);
      },
      renew: inner.renew ? () => inner.renew!() : undefined,
      observe: inner.observe ? (req, res) => inner.observe!(req, res) : undefined,
    };
  },
};
