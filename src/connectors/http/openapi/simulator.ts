import { createRequire } from "node:module";
import multipart from "@fastify/multipart";
import type { Ajv as AjvClass, Options } from "ajv";
import type { FastifyReply, FastifyRequest } from "fastify";
import { basicHeader } from "../../sdk/auth.ts";
import { createSimServer, listen, type Simulator, type SimulatorOptions } from "../../sdk/sim/server.ts";
import type { MediaType, OpenApiDocument, OperationObject, Parameter, SecurityScheme } from "./document.ts";
import { loadOpenApi } from "./document.ts";
import { exampleValue } from "./example-value.ts";
import { Notes, toJsonSchema } from "./schema.ts";

const require = createRequire(import.meta.url);
const Ajv = require("ajv").default as new (options: Options) => AjvClass;
const addFormats = require("ajv-formats").default as (ajv: AjvClass) => void;

/** The credentials an OpenAPI simulator accepts for each kind of security scheme. */
export interface OpenApiCredentials {
  username: string;
  password: string;
  token: string;
  apiKey: string;
  clientId: string;
  clientSecret: string;
}

/** One request the simulator served, as tests inspect it. */
export interface SeenRequest {
  operation: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
  authenticatedBy: string;
}

export interface OpenApiSimulator extends Simulator {
  credentials: OpenApiCredentials;
  /** The first server's path (`/api/v1`), under which every operation answers. */
  basePath: string;
  requests: SeenRequest[];
  /** Where the document's OAuth2 token endpoint is served, to point a connection's token_url at. */
  tokenUrl: string;
}

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];

/**
 * A simulator of any OpenAPI 3.x document: every operation answers at its path under the first
 * server's path, after checking credentials against the document's security, required parameters,
 * the request's content type and its body against the schema; the reply is the lowest 2xx response
 * with its example, or a value built from its schema. OAuth2 client credentials are served at /__oauth/token.
 */
export async function startOpenApiSimulator(
  path: string,
  options: SimulatorOptions = {},
): Promise<OpenApiSimulator> {
  const { api } = await loadOpenApi(path);
  const seed = options.seed ?? 1;
  const credentials: OpenApiCredentials = {
    username: `analyst${seed}`,
    password: `pw-${seed}-correct-horse`,
    token: `tok-${seed}-0a1b2c3d4e5f`,
    apiKey: `key-${seed}-f5e4d3c2b1a0`,
    clientId: `client-${seed}`,
    clientSecret: `secret-${seed}-9z8y7x`,
  };
  const issued = new Set<string>();
  const requests: SeenRequest[] = [];
  const { app, faults } = createSimServer({
    errorBody: (status, message) => ({ error: { message }, status }),
    state: () => ({ requests }),
    reset: () => {
      requests.length = 0;
      issued.clear();
    },
  });
  await app.register(multipart);
  const ajv = new Ajv({ strict: false, allErrors: false });
  // Form fields arrive as text; a server reads "2" as the integer 2.
  const forms = new Ajv({ strict: false, allErrors: false, coerceTypes: true });
  addFormats(ajv);
  addFormats(forms);
  const basePath = serverPath(api);

  app.post("/__oauth/token", async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, string>;
    if (form.grant_type !== "client_credentials")
      return reply.code(400).send({ error: "unsupported_grant_type" });
    if (form.client_id !== credentials.clientId || form.client_secret !== credentials.clientSecret)
      return reply.code(401).send({ error: "invalid_client" });
    const token = `issued-${issued.size + 1}-${seed}`;
    issued.add(token);
    return { access_token: token, token_type: "Bearer", expires_in: 3600 };
  });

  const schemes = api.components?.securitySchemes ?? {};
  const authenticated = (req: FastifyRequest, op: OperationObject): string | undefined => {
    const requirements = op.security ?? api.security ?? [];
    if (requirements.length === 0 || requirements.some((r) => Object.keys(r).length === 0)) return "none";
    for (const requirement of requirements) {
      const names = Object.keys(requirement);
      if (names.every((name) => satisfies(req, schemes[name]))) return names.join("+");
    }
    return undefined;
  };
  const satisfies = (req: FastifyRequest, scheme: SecurityScheme | undefined): boolean => {
    const auth = req.headers.authorization;
    if (!scheme) return false;
    if (scheme.type === "http" && scheme.scheme?.toLowerCase() === "basic")
      return auth === basicHeader(credentials.username, credentials.password);
    if (scheme.type === "http" && scheme.scheme?.toLowerCase() === "bearer")
      return auth === `Bearer ${credentials.token}`;
    if (scheme.type === "oauth2") return auth?.startsWith("Bearer ") === true && issued.has(auth.slice(7));
    if (scheme.type === "apiKey" && scheme.name) {
      const value =
        scheme.in === "query"
          ? (req.query as Record<string, unknown>)[scheme.name]
          : req.headers[scheme.name.toLowerCase()];
      return value === credentials.apiKey;
    }
    return false;
  };

  for (const [template, item] of Object.entries(api.paths ?? {})) {
    const names: string[] = [];
    // Route parameters by position: OpenAPI names (indicator-id) are not all valid router names.
    const url = basePath + template.replace(/\{([^}]+)\}/g, (_, name: string) => `:p${names.push(name) - 1}`);
    for (const method of METHODS) {
      const op = item[method] as OperationObject | undefined;
      if (!op) continue;
      const parameters = new Map<string, Parameter>();
      for (const p of [...((item.parameters as Parameter[]) ?? []), ...(op.parameters ?? [])])
        parameters.set(`${p.in}:${p.name}`, p);
      app.route({
        method: method.toUpperCase() as "GET",
        url,
        // The document says which paths answer HEAD; Fastify would add one to every GET.
        exposeHeadRoute: false,
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          const by = authenticated(req, op);
          if (!by) return reply.code(401).send({ error: { message: "credentials missing or wrong" } });
          const values = Object.fromEntries(
            names.map((name, i) => [name, (req.params as Record<string, string>)[`p${i}`]]),
          );
          for (const p of parameters.values()) {
            if (!p.required) continue;
            const present =
              p.in === "path"
                ? values[p.name]
                : p.in === "query"
                  ? (req.query as Record<string, unknown>)[p.name]
                  : p.in === "header"
                    ? req.headers[p.name.toLowerCase()]
                    : "cookie";
            if (present === undefined || present === "")
              return reply.code(400).send({ error: { message: `${p.in} parameter ${p.name} is required` } });
          }
          const body = await bodyOf(req);
          const problem = checkBody(
            op,
            req,
            body,
            /urlencoded/i.test(String(req.headers["content-type"])) ? forms : ajv,
          );
          if (problem) return reply.code(problem.status).send({ error: { message: problem.message } });
          requests.push({
            operation: op.operationId ?? `${method} ${template}`,
            method: req.method,
            path: req.url.split("?")[0]!,
            query: { ...(req.query as Record<string, unknown>) },
            headers: { ...req.headers },
            body,
            authenticatedBy: by,
          });
          return answer(op, reply);
        },
      });
    }
  }
  const listening = await listen(app, options);
  return {
    connector: `openapi:${api.info.title}`,
    url: listening,
    config: { url: listening },
    faults,
    credentials,
    basePath,
    requests,
    tokenUrl: `${listening}/__oauth/token`,
    close: () => app.close(),
  };
}

async function bodyOf(req: FastifyRequest): Promise<unknown> {
  if (req.isMultipart()) {
    const fields: Record<string, string> = {};
    for await (const part of req.parts())
      fields[part.fieldname] =
        part.type === "file" ? (await part.toBuffer()).toString("utf8") : String(part.value);
    return fields;
  }
  if (Buffer.isBuffer(req.body)) {
    const text = req.body.toString("utf8");
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return req.body;
}

function checkBody(
  op: OperationObject,
  req: FastifyRequest,
  body: unknown,
  ajv: AjvClass,
): { status: number; message: string } | undefined {
  const content = op.requestBody?.content;
  if (!content) return undefined;
  const type = String(req.headers["content-type"] ?? "");
  const declared = Object.keys(content).find((t) => base(t) === base(type));
  if (!declared) {
    if (!op.requestBody?.required && body === undefined) return undefined;
    return {
      status: 415,
      message: `content type ${type || "(none)"} is not one of ${Object.keys(content).join(", ")}`,
    };
  }
  const schema = (content[declared] as MediaType).schema;
  if (!schema || /multipart/i.test(declared)) return undefined;
  const validate = ajv.compile(toJsonSchema(schema, "input", new Notes(), "request body"));
  if (validate(structuredClone(body))) return undefined;
  return {
    status: 422,
    message: `body${validate.errors?.[0]?.instancePath ?? ""} ${validate.errors?.[0]?.message ?? "is invalid"}`,
  };
}

function base(type: string): string {
  return type.split(";")[0]!.trim().toLowerCase();
}

function answer(op: OperationObject, reply: FastifyReply): FastifyReply {
  const codes = Object.keys(op.responses ?? {})
    .filter((code) => /^2\d\d$/.test(code))
    .sort();
  const code = codes[0] ?? "200";
  const response = op.responses?.[code];
  const types = Object.keys(response?.content ?? {});
  const type = types.find((t) => /json/i.test(t)) ?? types[0];
  reply.code(Number(code));
  if (!type) return reply.send();
  const media = response!.content![type] as MediaType;
  const example =
    media.example ??
    Object.values(media.examples ?? {})[0]?.value ??
    exampleValue(media.schema ?? {}, { full: true });
  reply.header("content-type", type);
  return reply.send(/json/i.test(type) ? JSON.stringify(example) : String(example));
}

/** The path of the document's first server, its variables at their defaults. */
function serverPath(api: OpenApiDocument): string {
  const server = api.servers?.[0];
  let url = server?.url ?? "/";
  for (const [name, variable] of Object.entries(server?.variables ?? {}))
    url = url.replaceAll(`{${name}}`, variable.default);
  return new URL(url, "http://server.invalid").pathname.replace(/\/+$/, "");
}
