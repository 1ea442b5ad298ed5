import multipart from "@fastify/multipart";
import type { FastifyReply, FastifyRequest } from "fastify";
import { basicHeader } from "../sdk/auth.ts";
import { createSimServer, listen, type Simulator, type SimulatorOptions } from "../sdk/sim/server.ts";
import { HttpSimState, type SimItem } from "./sim-state.ts";

type Query = Record<string, string | undefined>;

class SimError extends Error {
  readonly status: number;
  readonly field?: string;
  constructor(status: number, message: string, field?: string) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

/** Which credential a request carries that the simulator accepts, if any. */
function authenticatedBy(req: FastifyRequest, state: HttpSimState): string | undefined {
  const c = state.credentials;
  const auth = req.headers.authorization;
  if (req.headers["x-api-key"] === c.apiKey) return "api-key-header";
  if ((req.query as Query).api_key === c.apiKey) return "api-key-query";
  if (auth === `Bearer ${c.bearerToken}`) return "bearer";
  if (auth === basicHeader(c.username, c.password)) return "basic";
  const issued = auth?.startsWith("Bearer ") ? state.tokens.get(auth.slice(7)) : undefined;
  if (issued) return issued === "login" ? "login-token" : "oauth2";
  return undefined;
}

function intParam(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new SimError(400, `${name} must be an integer from ${min} to ${max}`, name);
  return value;
}

/** What a request carried, as httpbin's /anything echoes it. */
async function echoOf(req: FastifyRequest): Promise<Record<string, unknown>> {
  const echo: Record<string, unknown> = {
    method: req.method,
    path: req.url.split("?")[0],
    query: req.query,
    headers: req.headers,
  };
  if (req.isMultipart()) {
    const fields: Record<string, string> = {};
    const files: Record<string, unknown> = {};
    for await (const part of req.parts()) {
      if (part.type === "file") {
        const data = await part.toBuffer();
        files[part.fieldname] = {
          filename: part.filename,
          content_type: part.mimetype,
          size: data.length,
          text: data.toString("utf8"),
        };
      } else fields[part.fieldname] = String(part.value);
    }
    echo.form = fields;
    echo.files = files;
  } else if (Buffer.isBuffer(req.body)) echo.data = req.body.toString("utf8");
  else if (req.body !== undefined)
    echo[req.headers["content-type"]?.includes("json") ? "json" : "form"] = req.body;
  return echo;
}

/** Starts a stateful generic HTTP API on loopback: echo, statuses, every auth kind, three paging styles, formats. */
export async function startHttpSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  let state = new HttpSimState(seed);
  const { app, faults } = createSimServer({
    errorBody: (status, message) => ({ error: message, status }),
    state: () => ({
      credentials: state.credentials,
      items: [...state.items.values()],
      tokens: state.tokens.size,
      requests: state.requests,
    }),
    reset: () => {
      state = new HttpSimState(seed);
    },
    generate: (count) => Array.from({ length: count }, () => state.add({}).id),
  });
  // Tokens expire on the server's side: the next call is a 401 and the client logs in again.
  faults.onInject("expire-tokens", () => state.tokens.clear());
  await app.register(multipart, { limits: { fileSize: 16 * 1024 * 1024 } });
  app.addHook("onRequest", async (req) => {
    if (!req.url.startsWith("/__sim"))
      state.record({
        method: req.method,
        url: req.url,
        headers: { ...req.headers },
        by: authenticatedBy(req, state) ?? null,
      });
  });
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof SimError)
      return reply.code(error.status).send({ error: error.message, field: error.field });
    return reply.code(500).send({ error: (error as Error).message });
  });

  const guard = (req: FastifyRequest): string => {
    const by = authenticatedBy(req, state);
    if (!by) throw new SimError(401, "authentication required");
    return by;
  };

  for (const url of ["/anything", "/anything/*"]) app.all(url, async (req) => echoOf(req));
  for (const url of ["/protected", "/protected/*"])
    app.all(url, async (req) => ({ authenticated_by: guard(req), ...(await echoOf(req)) }));

  app.get("/status/:code", async (req, reply) => {
    const code = Number((req.params as { code: string }).code);
    if (!Number.isInteger(code) || code < 200 || code > 599)
      throw new SimError(400, "code must be 200-599", "code");
    if (code >= 300 && code < 400) reply.header("location", "/anything");
    return reply.code(code).send({ status: code });
  });

  app.post("/login", async (req, reply) => {
    const c = state.credentials;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const viaBasic = req.headers.authorization === basicHeader(c.username, c.password);
    const viaJson = body.username === c.username && body.password === c.password;
    if (!viaBasic && !viaJson) return reply.code(401).send({ error: "invalid username or password" });
    const token = state.issue("login");
    return reply.header("x-auth-token", token).send({ data: { token }, token });
  });

  app.post("/oauth/token", async (req, reply) => {
    const c = state.credentials;
    const form = (req.body ?? {}) as Query;
    if (form.grant_type !== "client_credentials")
      return reply.code(400).send({ error: "unsupported_grant_type" });
    if (form.client_id !== c.clientId || form.client_secret !== c.clientSecret)
      return reply
        .code(401)
        .send({ error: "invalid_client", error_description: "client authentication failed" });
    if (form.audience !== undefined && form.audience !== c.audience)
      return reply
        .code(403)
        .send({ error: "access_denied", error_description: `unknown audience ${form.audience}` });
    return {
      access_token: state.issue("oauth2"),
      token_type: "Bearer",
      expires_in: 3600,
      scope: form.scope ?? "",
    };
  });

  const list = () => [...state.items.values()];
  app.get("/items", async (req) => {
    guard(req);
    const q = req.query as Query;
    const limit = intParam(q, "limit", 20, 1, 100);
    const offset = intParam(q, "offset", 0, 0, 1_000_000);
    return { items: list().slice(offset, offset + limit), total: state.items.size, limit, offset };
  });
  app.get("/items/cursor", async (req) => {
    guard(req);
    const q = req.query as Query;
    const limit = intParam(q, "limit", 20, 1, 100);
    let start = 0;
    if (q.cursor) {
      start = Number(Buffer.from(q.cursor, "base64url").toString());
      if (!Number.isInteger(start) || start < 0) throw new SimError(400, "cursor is invalid", "cursor");
    }
    const all = list();
    const end = start + limit;
    return {
      data: all.slice(start, end),
      next_cursor: end < all.length ? Buffer.from(String(end)).toString("base64url") : null,
    };
  });
  app.get("/items/pages", async (req, reply) => {
    guard(req);
    const q = req.query as Query;
    const page = intParam(q, "page", 1, 1, 100_000);
    const perPage = intParam(q, "per_page", 10, 1, 100);
    const all = list();
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (n: number) => `http://${req.headers.host}/items/pages?page=${n}&per_page=${perPage}`;
    const rels = [`<${link(1)}>; rel="first"`, `<${link(last)}>; rel="last"`];
    if (page < last) rels.unshift(`<${link(page + 1)}>; rel="next"`);
    reply.header("link", rels.join(", "));
    return {
      data: all.slice((page - 1) * perPage, page * perPage),
      page,
      per_page: perPage,
      next: page < last ? link(page + 1) : null,
    };
  });
  app.post("/items", async (req, reply) => {
    guard(req);
    const body = req.body as Partial<SimItem> | undefined;
    if (!body || typeof body !== "object" || Buffer.isBuffer(body))
      throw new SimError(415, "send the item as JSON");
    if (typeof body.name !== "string" || body.name === "")
      throw new SimError(422, "name is required", "name");
    return reply.code(201).send(state.add(body));
  });
  const find = (req: FastifyRequest): SimItem => {
    const id = (req.params as { id: string }).id;
    const item = state.items.get(id);
    if (!item) throw new SimError(404, `no item ${id}`, "id");
    return item;
  };
  app.get("/items/:id", async (req) => {
    guard(req);
    return find(req);
  });
  app.delete("/items/:id", async (req, reply: FastifyReply) => {
    guard(req);
    state.items.delete(find(req).id);
    return reply.code(204).send();
  });

  app.get("/formats/xml", async (_req, reply) =>
    reply
      .type("application/xml")
      .send('<?xml version="1.0"?><alert id="7"><severity>high</severity></alert>'),
  );
  app.get("/formats/text", async (_req, reply) =>
    reply.type("text/plain; charset=utf-8").send("plain text reply"),
  );
  app.get("/formats/form", async (_req, reply) =>
    reply.type("application/x-www-form-urlencoded").send("status=ok&tag=a&tag=b"),
  );
  app.get("/formats/bytes", async (_req, reply) =>
    reply.type("application/octet-stream").send(Buffer.from([0, 1, 2, 253, 254, 255])),
  );
  app.get("/formats/vendor-json", async (_req, reply) =>
    reply.type("application/vnd.api+json").send(JSON.stringify({ data: { type: "alert", id: "7" } })),
  );
  app.get("/formats/empty", async (_req, reply) => reply.code(204).send());

  const url = await listen(app, options);
  return {
    connector: "http",
    url,
    config: { url, auth: { type: "bearer", token: state.credentials.bearerToken } },
    faults,
    close: () => app.close(),
  };
}
