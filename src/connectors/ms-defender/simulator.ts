import { randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  createSimServer,
  listen,
  type Simulator,
  type SimulatorFactory,
  type SimulatorOptions,
} from "../sdk/sim/server.ts";
import { type FilterNode, matchesFilter, ODataError, parseFilter } from "./odata.ts";
import { CLASSIFICATIONS, DETERMINATIONS, SETTABLE_STATUSES } from "./schemas.ts";
import { DefenderState, type Json, type SimAlert, type SimApp } from "./sim-state.ts";

export interface DefenderSimulatorOptions extends SimulatorOptions {
  /** The simulator's clock (token expiry, quotas, timestamps); tests move it by hand. */
  now?: () => number;
  /** Alerts generated at start (default 120). */
  alerts?: number;
  /** Lifetime of issued access tokens, in seconds (default 3599 as Entra ID). */
  tokenLifetimeS?: number;
  /** Calls per app per minute and per hour before 429 (defaults 100 and 1500 as documented; 0 turns off). */
  quotaPerMinute?: number;
  quotaPerHour?: number;
  /**
   * An older tenant, as 2019 replies show: alerts without evidence, MITRE techniques, device name
   * or user, with the legacy alertUser/alertFiles/alertDomains/alertIps fields, and
   * `"category": "null"` (a string) on custom-indicator alerts.
   */
  legacyTenant?: boolean;
}

/** The resource identifiers Entra ID knows the Defender for Endpoint API by (any host serves them all). */
const API_RESOURCES = [
  "https://api.securitycenter.microsoft.com",
  "https://api.security.microsoft.com",
  "https://securitycenter.onmicrosoft.com/windowsatpservice",
];

const ERROR_CODES: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "ResourceNotFound",
  405: "MethodNotAllowed",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** The API's error body: `{"error": {"code", "message", "target"}}`, target being the request's id. */
function apiError(status: number, message: string, code = ERROR_CODES[status] ?? "Error"): Json {
  return { error: { code, message, target: randomUUID() } };
}

class DefenderError extends Error {
  readonly status: number;
  readonly code?: string;
  readonly retryAfterS?: number;
  constructor(status: number, message: string, options: { code?: string; retryAfterS?: number } = {}) {
    super(message);
    this.status = status;
    this.code = options.code;
    this.retryAfterS = options.retryAfterS;
  }
}

/** Entra ID's OAuth error body: error, error_description with trace lines, codes and ids. */
function entraError(error: string, code: number, description: string, now: number): Json {
  const trace = randomUUID();
  const correlation = randomUUID();
  const timestamp = `${new Date(now).toISOString().replace("T", " ").slice(0, 19)}Z`;
  return {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

/** Which application role each route needs (any one of them). */
const ROLES = {
  alerts: ["Alert.Read.All", "Alert.ReadWrite.All"],
  write: ["Alert.ReadWrite.All"],
  ips: ["Ip.Read.All"],
  domains: ["URL.Read.All"],
  files: ["File.Read.All"],
  user: ["User.Read.All"],
  machine: ["Machine.Read.All", "Machine.ReadWrite.All"],
};

const MAX_TOP = 10_000;
const QUERY_OPTIONS = new Set(["$filter", "$top", "$skip", "$expand"]);

/** Starts a stateful Defender for Endpoint tenant (Entra ID token endpoint and alerts API) on loopback. */
export async function startDefenderSimulator(options: DefenderSimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const lifetimeS = options.tokenLifetimeS ?? 3599;
  const perMinute = options.quotaPerMinute ?? 100;
  const perHour = options.quotaPerHour ?? 1500;
  const fresh = () => {
    const s = new DefenderState(seed, now, { legacy: options.legacyTenant === true });
    s.generate(options.alerts ?? 120);
    return s;
  };
  let state = fresh();

  const { app, faults } = createSimServer({
    errorBody: (status, message) => apiError(status, message),
    state: () => ({
      tenantId: state.tenantId,
      apps: state.apps,
      tokenRequests: state.tokenRequests,
      tokens: [...state.tokens.entries()].map(([token, t]) => ({
        token,
        clientId: t.clientId,
        expiresAt: new Date(t.expiresAt).toISOString(),
        expired: t.expiresAt <= state.now(),
      })),
      unauthorizedReplies: state.unauthorizedReplies,
      machines: [...state.machines.values()],
      users: [...state.users.values()],
      alerts: [...state.alerts.values()].map((entry) => entry.alert),
    }),
    reset: () => {
      state = fresh();
    },
    generate: (count) => state.generate(count, 1).map((entry) => entry.alert.id),
  });
  faults.onInject("expire-tokens", () => {
    state.expireTokens();
  });

  // ---- Entra ID: POST /{tenant}/oauth2/v2.0/token ----
  app.post("/:tenant/oauth2/v2.0/token", async (req, reply) => {
    state.tokenRequests.total++;
    const refuse = (status: number, error: string, code: number, description: string) => {
      state.tokenRequests.refused++;
      return reply.code(status).send(entraError(error, code, description, state.now()));
    };
    const tenant = (req.params as { tenant: string }).tenant;
    if (tenant.toLowerCase() !== state.tenantId && tenant.toLowerCase() !== state.domain) {
      return refuse(
        400,
        "invalid_request",
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    }
    // Entra reads parameters from a form body only: a JSON body holds none of them (AADSTS900144).
    const formEncoded = /^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "");
    const form =
      formEncoded && req.body && typeof req.body === "object" && !Buffer.isBuffer(req.body)
        ? (req.body as Record<string, string | undefined>)
        : {};
    for (const key of ["grant_type", "client_id", "scope"]) {
      if (!form[key]) {
        return refuse(
          400,
          "invalid_request",
          900144,
          `The request body must contain the following parameter: '${key}'.`,
        );
      }
    }
    if (form.grant_type !== "client_credentials") {
      return refuse(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    }
    const client = state.apps.find((a) => a.clientId === form.client_id);
    if (!client) {
      return refuse(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${form.client_id}' was not found in the directory '${state.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    if (!form.client_secret) {
      return refuse(
        401,
        "invalid_client",
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      );
    }
    if (form.client_secret !== client.secret) {
      return refuse(
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
      );
    }
    const scope = form.scope!;
    if (!scope.endsWith("/.default")) {
      return refuse(
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = scope.slice(0, -"/.default".length);
    // A scope names the API's resource, not the host that serves it: a geo host or a proxy is no resource.
    if (!API_RESOURCES.includes(resource.toLowerCase())) {
      return refuse(
        400,
        "invalid_resource",
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${state.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    state.tokenRequests.issued++;
    return {
      token_type: "Bearer",
      expires_in: lifetimeS,
      ext_expires_in: lifetimeS,
      access_token: state.issueToken(client, resource, lifetimeS),
    };
  });

  // ---- Defender API ----
  const authorize = (req: FastifyRequest, roles: readonly string[]): SimApp => {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const issued = match ? state.tokens.get(match[1]!) : undefined;
    if (!issued || issued.expiresAt <= state.now()) {
      state.unauthorizedReplies++;
      throw new DefenderError(401, "Authorization has been denied for this request.");
    }
    const client = state.apps.find((a) => a.clientId === issued.clientId)!;
    takeQuota(client);
    if (!roles.some((role) => issued.roles.includes(role))) {
      throw new DefenderError(
        403,
        `The application does not have any of the required application roles (${roles.join(", ")}) to access the resource.`,
      );
    }
    return client;
  };

  const takeQuota = (client: SimApp): void => {
    const nowMs = state.now();
    const minute = Math.floor(nowMs / 60_000);
    const hour = Math.floor(nowMs / 3_600_000);
    let q = state.quota.get(client.clientId);
    if (!q) {
      q = { minute, minuteCount: 0, hour, hourCount: 0 };
      state.quota.set(client.clientId, q);
    }
    if (q.minute !== minute) Object.assign(q, { minute, minuteCount: 0 });
    if (q.hour !== hour) Object.assign(q, { hour, hourCount: 0 });
    const overMinute = perMinute > 0 && q.minuteCount >= perMinute;
    const overHour = perHour > 0 && q.hourCount >= perHour;
    if (overMinute || overHour) {
      const resetMs = overHour ? (hour + 1) * 3_600_000 : (minute + 1) * 60_000;
      const waitS = Math.max(1, Math.ceil((resetMs - nowMs) / 1000));
      const hms = new Date(waitS * 1000).toISOString().slice(11, 19);
      throw new DefenderError(
        429,
        `API calls quota exceeded! Maximum allowed ${overHour ? perHour : perMinute} per 1 ${overHour ? "Hours" : "Minutes"}. Remaining quota will be replenished in ${hms}.`,
        { retryAfterS: waitS },
      );
    }
    q.minuteCount++;
    q.hourCount++;
  };

  const find = (id: string): SimAlert => {
    const entry = state.alerts.get(id);
    if (!entry) throw new DefenderError(404, `Alert ${id} was not found`);
    return entry;
  };

  const send = (reply: FastifyReply, error: unknown) => {
    if (!(error instanceof DefenderError)) throw error;
    if (error.retryAfterS !== undefined) reply.header("retry-after", String(error.retryAfterS));
    return reply.code(error.status).send(apiError(error.status, error.message, error.code));
  };

  const origin = (req: FastifyRequest) => `http://${req.headers.host}`;
  const context = (req: FastifyRequest, prefix: string, set: string) =>
    `${origin(req)}${prefix}/$metadata#${set}`;

  // Evidence is listed only with $expand=evidence; an alert that never had the field (2019) still has none.
  const withEvidence = (entry: SimAlert, expand: boolean): Json => {
    const body = structuredClone(entry.alert) as Json;
    if (body.evidence !== undefined && !expand) body.evidence = [];
    return body;
  };

  const parseExpand = (value: string | undefined): boolean => {
    if (value === undefined) return false;
    if (value.trim().toLowerCase() !== "evidence")
      throw new DefenderError(400, `Could not find a property named '${value}' to expand on 'Alert'.`);
    return true;
  };

  for (const prefix of ["/api", ""]) {
    app.get(`${prefix}/alerts`, async (req, reply) => {
      try {
        authorize(req, ROLES.alerts);
        const query = req.query as Record<string, string | undefined>;
        for (const key of Object.keys(query)) {
          if (key.startsWith("$") && !QUERY_OPTIONS.has(key))
            throw new DefenderError(400, `The query parameter '${key}' is not supported.`);
        }
        let filter: FilterNode | undefined;
        if (query.$filter !== undefined) {
          try {
            filter = parseFilter(query.$filter);
          } catch (error) {
            if (error instanceof ODataError)
              throw new DefenderError(400, `Invalid filter clause: ${error.message}`, {
                code: "InvalidRequestBody",
              });
            throw error;
          }
        }
        const top = query.$top === undefined ? MAX_TOP : Number(query.$top);
        if (!Number.isInteger(top) || top < 0)
          throw new DefenderError(400, `Invalid value '${query.$top}' for $top query option.`);
        if (top > MAX_TOP) {
          throw new DefenderError(
            400,
            `The limit of '${MAX_TOP}' for Top query has been exceeded. The value from the incoming request is '${top}'.`,
          );
        }
        const skip = query.$skip === undefined ? 0 : Number(query.$skip);
        if (!Number.isInteger(skip) || skip < 0)
          throw new DefenderError(400, `Invalid value '${query.$skip}' for $skip query option.`);
        const expand = parseExpand(query.$expand);
        const matching = [...state.alerts.values()]
          .filter((entry) => !filter || matchesFilter(filter, (field) => entry.alert[field]))
          // Newest first, as the API lists them; the id breaks ties so pages never overlap.
          .sort((a, b) => b.createdMs - a.createdMs || (a.alert.id < b.alert.id ? -1 : 1));
        const page = matching.slice(skip, skip + top);
        const body: Json = {
          "@odata.context": context(req, prefix, "Alerts"),
          value: page.map((entry) => withEvidence(entry, expand)),
        };
        if (top > 0 && skip + page.length < matching.length) {
          const next = new URLSearchParams();
          if (query.$filter !== undefined) next.set("$filter", query.$filter);
          if (query.$expand !== undefined) next.set("$expand", query.$expand);
          next.set("$top", String(top));
          next.set("$skip", String(skip + page.length));
          body["@odata.nextLink"] = `${origin(req)}${prefix}/alerts?${next.toString()}`;
        }
        return body;
      } catch (error) {
        return send(reply, error);
      }
    });

    app.get(`${prefix}/alerts/:id`, async (req, reply) => {
      try {
        authorize(req, ROLES.alerts);
        const entry = find((req.params as { id: string }).id);
        const expand = parseExpand((req.query as { $expand?: string }).$expand);
        return { "@odata.context": context(req, prefix, "Alerts/$entity"), ...withEvidence(entry, expand) };
      } catch (error) {
        return send(reply, error);
      }
    });

    app.patch(`${prefix}/alerts/:id`, async (req, reply) => {
      try {
        const client = authorize(req, ROLES.write);
        const entry = find((req.params as { id: string }).id);
        const changes = readUpdate(req.body);
        state.update(entry, changes, client.displayName);
        return { "@odata.context": context(req, prefix, "Alerts/$entity"), ...withEvidence(entry, false) };
      } catch (error) {
        return send(reply, error);
      }
    });

    const relatedRoute = (
      suffix: string,
      roles: readonly string[],
      answer: (entry: SimAlert, req: FastifyRequest) => Json,
    ) => {
      app.get(`${prefix}/alerts/:id/${suffix}`, async (req, reply) => {
        try {
          authorize(req, roles);
          return answer(find((req.params as { id: string }).id), req);
        } catch (error) {
          return send(reply, error);
        }
      });
    };

    relatedRoute("ips", ROLES.ips, (entry, req) => ({
      "@odata.context": context(req, prefix, "Ips"),
      value: entry.ips.map((id) => ({ id })),
    }));
    relatedRoute("domains", ROLES.domains, (entry, req) => ({
      "@odata.context": context(req, prefix, "Domains"),
      value: entry.domains.map((host) => ({ host })),
    }));
    relatedRoute("files", ROLES.files, (entry, req) => ({
      "@odata.context": context(req, prefix, "Files"),
      value: entry.fileSha1s.map((sha1) => ({ ...state.files.get(sha1)! })),
    }));
    relatedRoute("user", ROLES.user, (entry, req) => {
      const user = entry.userId ? state.users.get(entry.userId) : undefined;
      if (!user) throw new DefenderError(404, `User related to alert ${entry.alert.id} was not found`);
      return { "@odata.context": context(req, prefix, "Users/$entity"), ...user };
    });
    relatedRoute("machine", ROLES.machine, (entry, req) => {
      const machine = state.machines.get(String(entry.alert.machineId));
      if (!machine) throw new DefenderError(404, `Machine related to alert ${entry.alert.id} was not found`);
      return { "@odata.context": context(req, prefix, "Machines/$entity"), ...machine };
    });
  }

  // Alerts as a real tenant sent them (published records), served as they are by every route.
  app.post("/__sim/alerts", async (req, reply) => {
    const alerts = (req.body as { alerts?: unknown } | undefined)?.alerts;
    if (!Array.isArray(alerts) || alerts.length === 0)
      return reply.code(400).send({ error: "body must be {alerts: [alert, …]}, each with a string id" });
    try {
      return { loaded: alerts.map((alert) => state.load(alert).alert.id) };
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
  });

  const url = await listen(app, options);
  const [client] = state.apps;
  return {
    connector: "ms-defender",
    url,
    config: {
      tenant_id: state.tenantId,
      client_id: client!.clientId,
      client_secret: client!.secret,
      api_url: url,
      login_url: url,
    },
    faults,
    close: () => app.close(),
  };
}

/** Reads a PATCH body the way the API binds it: property names case-insensitive, values checked. */
function readUpdate(body: unknown): Record<string, string> {
  if (body === null || typeof body !== "object" || Buffer.isBuffer(body) || Array.isArray(body))
    throw new DefenderError(400, "Request body is missing or is not a JSON object.", {
      code: "InvalidRequestBody",
    });
  const allowed: Record<string, readonly string[] | undefined> = {
    status: SETTABLE_STATUSES,
    assignedto: undefined,
    classification: CLASSIFICATIONS,
    determination: DETERMINATIONS,
    comment: undefined,
  };
  const names: Record<string, string> = { assignedto: "assignedTo" };
  const changes: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Json)) {
    const lower = key.toLowerCase();
    if (!(lower in allowed)) continue;
    if (value === null || value === undefined) continue;
    const values = allowed[lower];
    if (typeof value !== "string" || (values && !values.includes(value))) {
      throw new DefenderError(
        400,
        `The value '${String(value)}' is not valid for ${key}${values ? `; use one of ${values.join(", ")}` : ""}.`,
        { code: "InvalidRequestBody" },
      );
    }
    changes[names[lower] ?? lower] = value;
  }
  if (Object.keys(changes).length === 0) {
    throw new DefenderError(
      400,
      "Request body has no property to update (status, assignedTo, classification, determination, comment).",
      { code: "InvalidRequestBody" },
    );
  }
  return changes;
}

export const defenderSimulator: SimulatorFactory = {
  connector: "ms-defender",
  start: startDefenderSimulator,
};
