import type { AuthSpec } from "../auth-spec.ts";
import type { OpenApiDocument, SecurityRequirement, SecurityScheme } from "./document.ts";
import type { Notes } from "./schema.ts";

type Property = Record<string, unknown>;

/** How the connector authenticates, and the connection fields that holds. */
export interface MappedAuth {
  auth: AuthSpec;
  fields: Record<string, Property>;
  required: string[];
}

const secret = (description: string): Property => ({
  type: "string",
  minLength: 1,
  secret: true,
  description,
});
const text = (description: string): Property => ({ type: "string", minLength: 1, description });

/**
 * The auth block from the document's security: its first requirement (several schemes at once
 * become all-of), or, with none declared for the whole API, the first scheme an operation uses.
 * apiKey (header or query), http basic and bearer, and oauth2 client credentials map; the rest is noted.
 */
export function mapSecurity(api: OpenApiDocument, used: SecurityRequirement[], notes: Notes): MappedAuth {
  const schemes = api.components?.securitySchemes ?? {};
  const requirements = api.security?.length ? api.security : used;
  const chosen = requirements.find((r) => Object.keys(r).length > 0);
  for (const other of requirements.filter((r) => r !== chosen && Object.keys(r).length > 0))
    notes.add(
      `security alternative ${Object.keys(other).join(" + ")} is not used: the connector authenticates with ${Object.keys(chosen ?? {}).join(" + ")}`,
    );
  if (!chosen) return { auth: { type: "none" }, fields: {}, required: [] };
  const mapped: MappedAuth[] = [];
  for (const [name, scopes] of Object.entries(chosen)) {
    const scheme = schemes[name];
    if (!scheme) {
      notes.add(`security scheme ${name} is not defined under components.securitySchemes`);
      continue;
    }
    const one = mapScheme(name, scheme, scopes, notes, Object.keys(chosen).length > 1);
    if (one) mapped.push(one);
  }
  if (mapped.length === 0) return { auth: { type: "none" }, fields: {}, required: [] };
  if (mapped.length === 1) return mapped[0]!;
  return {
    auth: { type: "all-of", strategies: mapped.map((m) => m.auth) },
    fields: Object.assign({}, ...mapped.map((m) => m.fields)),
    required: mapped.flatMap((m) => m.required),
  };
}

function mapScheme(
  name: string,
  scheme: SecurityScheme,
  scopes: string[],
  notes: Notes,
  several: boolean,
): MappedAuth | undefined {
  // With several schemes at once, each gets fields of its own name.
  const field = (base: string) => (several ? `${snake(name)}_${base}` : base);
  switch (scheme.type) {
    case "apiKey": {
      if (scheme.in === "cookie") {
        notes.add(
          `security scheme ${name} (API key in cookie ${scheme.name}) cannot be sent: connectors send keys in a header or the query`,
        );
        return undefined;
      }
      const key = field("api_key");
      return {
        auth: {
          type: "api-key",
          in: scheme.in === "query" ? "query" : "header",
          name: scheme.name ?? "X-API-Key",
          key,
        },
        fields: { [key]: secret(scheme.description ?? `API key (sent as ${scheme.in} ${scheme.name})`) },
        required: [key],
      };
    }
    case "http": {
      const kind = scheme.scheme?.toLowerCase();
      if (kind === "basic") {
        const [username, password] = [field("username"), field("password")];
        return {
          auth: { type: "basic", usernameKey: username, passwordKey: password },
          fields: { [username]: text("HTTP Basic username"), [password]: secret("HTTP Basic password") },
          required: [username, password],
        };
      }
      if (kind === "bearer") {
        const token = field("token");
        return {
          auth: { type: "bearer", key: token },
          fields: { [token]: secret(scheme.description ?? "Bearer token") },
          required: [token],
        };
      }
      notes.add(
        `security scheme ${name} (HTTP ${scheme.scheme}) is not a strategy Rampart has: only basic and bearer map`,
      );
      return undefined;
    }
    case "oauth2": {
      const flow = scheme.flows?.clientCredentials;
      const others = Object.keys(scheme.flows ?? {}).filter((f) => f !== "clientCredentials");
      if (others.length > 0)
        notes.add(
          `security scheme ${name}: OAuth2 flow(s) ${others.join(", ")} need a person signing in; only clientCredentials maps`,
        );
      if (!flow?.tokenUrl) return undefined;
      const [id, secretKey, tokenUrl, scope] = [
        field("client_id"),
        field("client_secret"),
        field("token_url"),
        field("scope"),
      ];
      const available = Object.keys(flow.scopes ?? {});
      return {
        auth: {
          type: "oauth2-client-credentials",
          tokenUrl: `{${tokenUrl}}`,
          scope: `{${scope}}`,
          clientIdKey: id,
          clientSecretKey: secretKey,
        },
        fields: {
          [tokenUrl]: {
            type: "string",
            format: "uri",
            default: flow.tokenUrl,
            description: "OAuth2 token endpoint",
          },
          [id]: text("OAuth2 client id"),
          [secretKey]: secret("OAuth2 client secret"),
          [scope]: {
            type: "string",
            default: scopes.join(" "),
            description: `Space-separated scopes${available.length ? ` (available: ${available.join(", ")})` : ""}`,
          },
        },
        required: [id, secretKey],
      };
    }
    case "mutualTLS":
      notes.add(`security scheme ${name} is mutual TLS: set the connection's client_cert and client_key`);
      return undefined;
    default:
      notes.add(
        `security scheme ${name} (${scheme.type}) cannot be mapped: connect with api-key, basic, bearer or oauth2 client credentials`,
      );
      return undefined;
  }
}

function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toLowerCase()
    .replace(/^_+|_+$/g, "");
}
