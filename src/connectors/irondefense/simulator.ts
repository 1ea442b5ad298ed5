import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  createSimServer,
  listen,
  type Simulator,
  type SimulatorFactory,
  type SimulatorOptions,
} from "../sdk/sim/server.ts";
import {
  ALERT_STATUSES,
  ANALYST_EXPECTATIONS,
  ANALYST_SEVERITIES,
  CATEGORIES,
  MAX_NOTIFICATIONS,
} from "./schemas.ts";
import { IronDefenseState, PERMISSIONS, type SimAlert, type SimUser } from "./sim-state.ts";

type Body = Record<string, unknown>;

export interface IronDefenseSimulatorOptions extends SimulatorOptions {
  /** Alerts present at start and after a reset (default 120). */
  alerts?: number;
  /** Lifetime of issued JWTs in seconds (default 3600). */
  tokenTtlS?: number;
  /** The appliance's clock (tests move it forward to let tokens expire). */
  now?: () => number;
}

/** An IronAPI error reply: `{"msg": ...}` with its status. */
class IronError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const ALERT_TIME_RANGES = [
  "created",
  "updated",
  "first_event_created",
  "last_event_created",
  "first_event_start_time",
  "last_event_end_time",
];
const SORTABLE = new Set([...ALERT_TIME_RANGES, "severity", "event_count", "status", "category"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function str(body: Body, key: string, required = true): string | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === "") {
    if (required) throw new IronError(400, `${key} is required`);
    return undefined;
  }
  if (typeof value !== "string") throw new IronError(400, `${key} must be a string`);
  return value;
}

function oneOf(body: Body, key: string, allowed: readonly string[], required = true): string | undefined {
  const value = str(body, key, required);
  if (value !== undefined && !allowed.includes(value))
    throw new IronError(400, `invalid value for ${key}: ${value}`);
  return value;
}

function time(body: Body, key: string): string {
  const value = str(body, key)!;
  if (Number.isNaN(Date.parse(value))) throw new IronError(400, `${key} is not an RFC 3339 timestamp`);
  return value;
}

function strings(body: Body, key: string, allowed?: readonly string[]): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw new IronError(400, `${key} must be a list of strings`);
  const bad = allowed && value.find((v) => !allowed.includes(v));
  if (bad) throw new IronError(400, `invalid value for ${key}: ${bad}`);
  return value as string[];
}

function constraint(body: Body, defaultLimit: number): { limit: number; offset: number } {
  const c = (body.constraint ?? {}) as Body;
  const limit = c.limit === undefined ? defaultLimit : Number(c.limit);
  const offset = c.offset === undefined ? 0 : Number(c.offset);
  if (!Number.isInteger(limit) || limit < 1)
    throw new IronError(400, "constraint.limit must be a positive integer");
  if (!Number.isInteger(offset) || offset < 0)
    throw new IronError(400, "constraint.offset must not be negative");
  return { limit, offset };
}

/** IronAPI is protobuf-JSON: a 64-bit integer travels as a string of digits. */
const int64 = (value: number) => String(value);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Starts a stateful IronDefense appliance (IronAPI) on loopback. */
export async function startIronDefenseSimulator(
  options: IronDefenseSimulatorOptions = {},
): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const initial = options.alerts ?? 120;
  const ttlS = options.tokenTtlS ?? 3600;
  const fresh = () => {
    const s = new IronDefenseState(seed, options.now);
    s.generate(initial);
    return s;
  };
  let state = fresh();
  const signingKey = randomBytes(32);
  /** Live tokens by their `jti`; expiring or revoking a token removes it. */
  const tokens = new Map<string, { username: string; exp: number }>();
  let revocations = 0;

  const sign = (data: string) => createHmac("sha256", signingKey).update(data).digest("base64url");
  const issue = (user: SimUser): string => {
    const iat = Math.floor(state.now() / 1000);
    const jti = randomBytes(16).toString("hex");
    const exp = iat + ttlS;
    const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: user.username, iat, exp, jti })}`;
    tokens.set(jti, { username: user.username, exp });
    user.logins++;
    return `${unsigned}.${sign(unsigned)}`;
  };
  const verify = (token: string): SimUser => {
    const [header, payload, signature] = token.split(".");
    const expected = header && payload ? Buffer.from(sign(`${header}.${payload}`)) : Buffer.alloc(0);
    const given = Buffer.from(signature ?? "");
    if (expected.length === 0 || expected.length !== given.length || !timingSafeEqual(expected, given))
      throw new IronError(401, "invalid token");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as { jti: string; exp: number };
    const live = tokens.get(claims.jti);
    if (!live || live.exp <= state.now() / 1000) {
      tokens.delete(claims.jti);
      throw new IronError(401, "token is expired");
    }
    const user = state.users.get(live.username);
    if (!user) throw new IronError(401, "invalid token");
    return user;
  };

  /** Basic (on any call, answered with a fresh `auth-token`) or Bearer with a live JWT. */
  const authenticate = (req: FastifyRequest, reply: FastifyReply): SimUser => {
    const header = req.headers.authorization ?? "";
    const [scheme, value = ""] = header.split(" ");
    let user: SimUser | undefined;
    if (scheme?.toLowerCase() === "basic") {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const candidate = state.users.get(decoded.slice(0, colon));
      if (colon < 0 || !candidate || candidate.password !== decoded.slice(colon + 1))
        throw new IronError(401, "invalid username or password");
      user = candidate;
      if (user.permissions.includes(PERMISSIONS.api)) reply.header("auth-token", issue(user));
    } else if (scheme?.toLowerCase() === "bearer" && value) {
      user = verify(value);
    } else {
      throw new IronError(401, "authorization required");
    }
    if (!user.permissions.includes(PERMISSIONS.api))
      throw new IronError(403, `user lacks the permission ${PERMISSIONS.api}`);
    return user;
  };

  const { app, faults } = createSimServer({
    errorBody: (_status, message) => ({ msg: message }),
    state: () => ({
      users: [...state.users.values()].map((u) => ({ ...u })),
      tokens: { live: tokens.size, revocations },
      alerts: [...state.alerts.values()].map((a) => ({ ...a.wire, notes: a.notes, event_ids: a.eventIds })),
      events: state.events.size,
      notifications: {
        alert: state.alertLog.length,
        event: state.eventLog.length,
        dome: state.domeLog.length,
      },
      threat_intel_rules: state.rules,
      entity_records: [...state.entities.values()],
    }),
    reset: () => {
      state = fresh();
      tokens.clear();
    },
    generate: (count) => state.generate(count).map((a) => a.wire.id),
  });

  faults.onInject("expire-tokens", () => {
    tokens.clear();
    revocations++;
  });

  // IronAPI bodies are JSON; an empty body counts as {} (clients send "{}" or nothing).
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
    if (String(text).trim() === "") return done(null, {});
    try {
      done(null, JSON.parse(String(text)));
    } catch {
      done(new IronError(400, "request body is not valid JSON"), undefined);
    }
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => {
    const status = error instanceof IronError ? error.status : (error.statusCode ?? 500);
    return reply.code(status).send({ msg: error.message });
  });

  const route = (name: string, permission: string, handler: (body: Body, user: SimUser) => unknown) => {
    app.post(`/IronApi/${name}`, async (req, reply) => {
      try {
        const user = authenticate(req, reply);
        if (!user.permissions.includes(permission))
          throw new IronError(403, `user lacks the permission ${permission}`);
        const body = req.body && typeof req.body === "object" && !Buffer.isBuffer(req.body) ? req.body : {};
        return (await handler(body as Body, user)) ?? {};
      } catch (error) {
        if (error instanceof IronError) return reply.code(error.status).send({ msg: error.message });
        throw error;
      }
    });
  };

  const alertOf = (body: Body): SimAlert => {
    const id = str(body, "alert_id")!;
    if (!UUID.test(id)) throw new IronError(400, "alert_id is not a valid UUID");
    const alert = state.alerts.get(id);
    if (!alert) throw new IronError(404, `alert ${id} not found`);
    return alert;
  };
  const share = (body: Body) => body.share_comment_with_irondome === true;

  route("Login", PERMISSIONS.api, () => ({}));

  route("GetAlerts", PERMISSIONS.view, (body) => {
    const filters: Array<[string, string[] | undefined]> = [
      ["id", strings(body, "alert_id")],
      ["category", strings(body, "category", CATEGORIES)],
      ["sub_category", strings(body, "sub_category")],
      ["status", strings(body, "status", ALERT_STATUSES)],
      ["analyst_severity", strings(body, "analyst_severity", ANALYST_SEVERITIES)],
      ["analyst_expectation", strings(body, "analyst_expectation", ANALYST_EXPECTATIONS)],
      ["analytic_version", strings(body, "analytic_version")],
    ];
    const severity = body.severity as { lower_bound?: number; upper_bound?: number } | undefined;
    const ranges = ALERT_TIME_RANGES.flatMap((key) => {
      const range = body[key] as { start?: string; end?: string } | undefined;
      if (!range) return [];
      const start = Date.parse(range.start ?? "");
      const end = Date.parse(range.end ?? "");
      if (Number.isNaN(start) || Number.isNaN(end))
        throw new IronError(400, `${key} needs RFC 3339 start and end`);
      return [{ key, start, end }];
    });
    const sort = typeof body.sort === "string" && body.sort !== "" ? body.sort : "-created";
    const sortKey = sort.replace(/^-/, "");
    if (!SORTABLE.has(sortKey)) throw new IronError(400, `cannot sort by ${sortKey}`);
    const { limit, offset } = constraint(body, 100);
    const matching = [...state.alerts.values()]
      .map((a) => a.wire)
      .filter(
        (a) =>
          filters.every(([key, values]) => !values || values.includes(String(a[key]))) &&
          (!severity ||
            (a.severity >= (severity.lower_bound ?? 0) && a.severity <= (severity.upper_bound ?? 1000))) &&
          ranges.every(({ key, start, end }) => {
            const at = Date.parse(String(a[key]));
            return at >= start && at <= end;
          }),
      )
      .sort((x, y) => {
        const a = x[sortKey] as string | number;
        const b = y[sortKey] as string | number;
        const order = a < b ? -1 : a > b ? 1 : x.id.localeCompare(y.id);
        return sort.startsWith("-") ? -order : order;
      });
    return {
      alerts: structuredClone(matching.slice(offset, offset + limit)),
      constraint: { limit, offset, total: int64(matching.length) },
    };
  });

  route("GetEvents", PERMISSIONS.view, (body) => {
    const alert = alertOf(body);
    const { limit, offset } = constraint(body, 100);
    const events = alert.eventIds
      .map((id) => state.events.get(id)!.wire)
      .sort((a, b) => String(a.created).localeCompare(String(b.created)));
    return {
      events: structuredClone(events.slice(offset, offset + limit)),
      constraint: { limit, offset, total: int64(events.length) },
    };
  });

  route("GetEvent", PERMISSIONS.view, (body) => {
    const id = str(body, "event_id")!;
    if (!UUID.test(id)) throw new IronError(400, "event_id is not a valid UUID");
    const event = state.events.get(id);
    if (!event) throw new IronError(404, `event ${id} not found`);
    return structuredClone({ event: event.wire, context: event.context });
  });

  route("CommentOnAlert", PERMISSIONS.edit, (body, user) => {
    const alert = alertOf(body);
    state.comment(alert, user, str(body, "comment")!, share(body));
  });

  route("RateAlert", PERMISSIONS.edit, (body, user) => {
    const alert = alertOf(body);
    state.rate(
      alert,
      user,
      oneOf(body, "analyst_severity", ANALYST_SEVERITIES)!,
      oneOf(body, "analyst_expectation", ANALYST_EXPECTATIONS)!,
      str(body, "comment", false),
      share(body),
    );
  });

  route("SetAlertStatus", PERMISSIONS.edit, (body, user) => {
    const alert = alertOf(body);
    state.setStatus(
      alert,
      user,
      oneOf(body, "status", ALERT_STATUSES)!,
      str(body, "comment", false),
      share(body),
    );
  });

  route("GetAlertIronDomeInformation", PERMISSIONS.view, (body) => {
    const loaded = state.loadedDome.get(String(body.alert_id));
    if (loaded) return structuredClone(loaded);
    const alert = alertOf(body);
    return structuredClone({
      correlations: alert.dome.correlations,
      correlation_participation: alert.dome.participation,
      community_comments: alert.dome.comments,
      cognitive_system_score: alert.dome.score,
      dome_notifications: state.domeLog.filter((n) => (n.alert_ids as string[]).includes(alert.wire.id)),
    });
  });

  const limitOf = (body: Body): number => {
    const limit = body.limit === undefined ? 200 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NOTIFICATIONS)
      throw new IronError(400, `limit must be an integer from 1 to ${MAX_NOTIFICATIONS}`);
    return limit;
  };
  route("GetAlertNotifications", PERMISSIONS.view, (body, user) => ({
    alert_notifications: state.take(user, "alert", limitOf(body)),
  }));
  route("GetEventNotifications", PERMISSIONS.view, (body, user) => ({
    event_notifications: state.take(user, "event", limitOf(body)),
  }));
  route("GetDomeNotifications", PERMISSIONS.view, (body, user) => ({
    dome_notifications: state.take(user, "dome", limitOf(body)),
  }));

  route("ReportObservedBadActivity", PERMISSIONS.tir, (body, user) => {
    const name = str(body, "name")!;
    const ip = str(body, "ip", false) ?? null;
    const domain = str(body, "domain", false) ?? null;
    if (!ip && !domain) throw new IronError(400, "ip or domain is required");
    state.reportBadActivity({
      name,
      description: str(body, "description", false) ?? "",
      ip,
      domain,
      activity_start_time: time(body, "activity_start_time"),
      activity_end_time: time(body, "activity_end_time"),
      created_by: user.username,
    });
  });

  route("UpdateEntityRecord", PERMISSIONS.api, (body) => {
    const record = {
      ip: str(body, "ip")!,
      hostname: str(body, "hostname", false) ?? null,
      mac_address: str(body, "mac_address", false) ?? null,
      username: str(body, "username", false) ?? null,
      lease_start_time: time(body, "lease_start_time"),
      lease_end_time: time(body, "lease_end_time"),
      source: str(body, "source", false) ?? null,
      updated: state.iso(),
    };
    if (!record.hostname && !record.mac_address && !record.username)
      throw new IronError(400, "hostname, mac_address or username is required");
    state.updateEntity(record);
  });

  // Replies as a real appliance sent them (published records), served as they are.
  const loadRoute = (path: string, usage: string, load: (body: Body) => unknown) => {
    app.post(`/__sim/${path}`, async (req, reply) => {
      try {
        return { loaded: load((req.body ?? {}) as Body) };
      } catch (error) {
        return reply.code(400).send({ error: `${usage}: ${(error as Error).message}` });
      }
    });
  };
  loadRoute("events", "body must be {events: [{event, context}, …]}", (body) =>
    listOf(body.events).map((reply) => state.loadEvent(reply)),
  );
  loadRoute("irondome", "body must be {alert_id, information}", (body) =>
    state.loadIronDome(String(body.alert_id ?? ""), body.information),
  );
  loadRoute("dome-notifications", "body must be {notifications: […]}", (body) =>
    listOf(body.notifications).map((n) => state.loadDomeNotification(n)),
  );

  const url = await listen(app, options);
  const admin = state.users.get("ironapi")!;
  return {
    connector: "irondefense",
    url,
    config: { url, username: admin.username, password: admin.password },
    faults,
    close: () => app.close(),
  };
}

function listOf(value: unknown): unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError("expected a non-empty list");
  return value;
}

export const ironDefenseSimulator: SimulatorFactory = {
  connector: "irondefense",
  start: startIronDefenseSimulator,
};
