import { type Static, type TSchema, Type } from "@sinclair/typebox";
import {
  type AuthStrategy,
  allOf,
  apiKey,
  basic,
  bearer,
  loginToken,
  noAuth,
  oauth2ClientCredentials,
} from "../sdk/index.ts";
import { renderOptional, renderTemplate } from "./template.ts";

// The SDK's auth strategies as data: each field is the option of the same name the strategy
// function takes; option functions (token URL, scope) become `{field}` templates over the config.

const ConfigKey = (description: string) =>
  Type.String({
    pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
    description: `connection field holding ${description}`,
  });

const branch = <K extends string, T extends Record<string, TSchema>>(type: K, properties: T) =>
  Type.Object({ type: Type.Literal(type), ...properties }, { additionalProperties: false });

export const NoAuthSpec = branch("none", {});
export const ApiKeySpec = branch("api-key", {
  key: ConfigKey("the API key"),
  in: Type.Unsafe<"header" | "query">({ type: "string", enum: ["header", "query"] }),
  name: Type.String({ minLength: 1, description: "header or query parameter name" }),
  prefix: Type.Optional(Type.String({ description: 'text before the key, e.g. "Token "' })),
});
export const BearerSpec = branch("bearer", { key: ConfigKey("the token") });
export const BasicSpec = branch("basic", {
  usernameKey: ConfigKey("the username"),
  passwordKey: ConfigKey("the password"),
});
export const LoginTokenSpec = branch("login-token", {
  login: Type.Object(
    {
      method: Type.Unsafe<string>({ type: "string", enum: ["GET", "POST", "PUT"] }),
      path: Type.String({ pattern: "^/", description: "login path, relative to the base URL" }),
      usernameKey: ConfigKey("the username"),
      passwordKey: ConfigKey("the password"),
      body: Type.Optional(Type.Unknown()),
      credentials: Type.Optional(Type.Unsafe<"basic" | "json">({ type: "string", enum: ["basic", "json"] })),
      usernameField: Type.Optional(Type.String({ minLength: 1 })),
      passwordField: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  token: Type.Union([
    Type.Object({ header: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object({ bodyPath: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ]),
  send: Type.Optional(
    Type.Object(
      { header: Type.String({ minLength: 1 }), prefix: Type.String() },
      { additionalProperties: false },
    ),
  ),
});
export const OAuth2Spec = branch("oauth2-client-credentials", {
  tokenUrl: Type.String({ minLength: 1, description: "token endpoint; {field} takes a config value" }),
  scope: Type.Optional(Type.String()),
  audience: Type.Optional(Type.String()),
  clientIdKey: ConfigKey("the client id"),
  clientSecretKey: ConfigKey("the client secret"),
  renewBeforeMs: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const AllOfSpec = branch("all-of", {
  strategies: Type.Array(Type.Unsafe<AuthSpec>({ $ref: "#/$defs/auth" }), { minItems: 1 }),
});

/** Every auth type a connector file may declare. */
export const AUTH_TYPES = [
  "none",
  "api-key",
  "bearer",
  "basic",
  "login-token",
  "oauth2-client-credentials",
  "all-of",
] as const;

/** The JSON Schema of an `auth` block (refer to it as `#/$defs/auth`). */
export const authSpecSchema = {
  type: "object",
  required: ["type"],
  discriminator: { propertyName: "type" },
  oneOf: [NoAuthSpec, ApiKeySpec, BearerSpec, BasicSpec, LoginTokenSpec, OAuth2Spec, AllOfSpec],
};

export type AuthSpec =
  | Static<typeof NoAuthSpec>
  | Static<typeof ApiKeySpec>
  | Static<typeof BearerSpec>
  | Static<typeof BasicSpec>
  | Static<typeof LoginTokenSpec>
  | Static<typeof OAuth2Spec>
  | { type: "all-of"; strategies: AuthSpec[] };

/** The SDK strategy an auth block describes. */
export function strategyOf(spec: AuthSpec): AuthStrategy {
  switch (spec.type) {
    case "none":
      return noAuth;
    case "api-key":
      return apiKey({ key: spec.key, in: spec.in, name: spec.name, prefix: spec.prefix });
    case "bearer":
      return bearer({ key: spec.key });
    case "basic":
      return basic({ usernameKey: spec.usernameKey, passwordKey: spec.passwordKey });
    case "login-token":
      return loginToken({ login: spec.login, token: spec.token, send: spec.send });
    case "oauth2-client-credentials":
      return oauth2ClientCredentials({
        tokenUrl: (config) => renderTemplate(spec.tokenUrl, config, "auth.tokenUrl"),
        // A scope or audience field left empty is simply not sent.
        scope: (config) => (spec.scope ? renderOptional(spec.scope, config) : undefined),
        audience: (config) => (spec.audience ? renderOptional(spec.audience, config) : undefined),
        clientIdKey: spec.clientIdKey,
        clientSecretKey: spec.clientSecretKey,
        renewBeforeMs: spec.renewBeforeMs,
      });
    case "all-of":
      return allOf(...spec.strategies.map(strategyOf));
  }
}

/** The connection fields an auth block reads, each with whether it holds a credential. */
export function authFields(
  spec: AuthSpec,
): Array<{ field: string; secret: boolean; where: Array<string | number> }> {
  switch (spec.type) {
    case "none":
      return [];
    case "api-key":
      return [{ field: spec.key, secret: true, where: ["key"] }];
    case "bearer":
      return [{ field: spec.key, secret: true, where: ["key"] }];
    case "basic":
      return [
        { field: spec.usernameKey, secret: false, where: ["usernameKey"] },
        { field: spec.passwordKey, secret: true, where: ["passwordKey"] },
      ];
    case "login-token":
      return [
        { field: spec.login.usernameKey, secret: false, where: ["login", "usernameKey"] },
        { field: spec.login.passwordKey, secret: true, where: ["login", "passwordKey"] },
      ];
    case "oauth2-client-credentials":
      return [
        { field: spec.clientIdKey, secret: false, where: ["clientIdKey"] },
        { field: spec.clientSecretKey, secret: true, where: ["clientSecretKey"] },
      ];
    case "all-of":
      return spec.strategies.flatMap((s, i) =>
        authFields(s).map((f) => ({ ...f, where: ["strategies", i, ...f.where] })),
      );
  }
}
