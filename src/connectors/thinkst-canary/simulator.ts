import type { FastifyReply, FastifyRequest } from "fastify";
import {
  createSimServer,
  listen,
  type Simulator,
  type SimulatorFactory,
  type SimulatorOptions,
} from "../sdk/sim/server.ts";
import { CanaryState, flatIncident, LOGTYPES, listingEntry, type SimIncident, stdTime } from "./sim-state.ts";

type Params = Record<string, string | undefined>;
type Role = "admin" | "analyst" | "read-only";

const BULK_FILTERS = ["flock_id", "node_id", "src_host", "older_than", "filter_str", "filter_logtypes"];

class CanaryError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Query string and form body merged, as the console reads parameters from either. */
function paramsOf(req: FastifyRequest): Params {
  const body =
    req.body && typeof req.body === "object" && !Buffer.isBuffer(req.body) ? (req.body as Params) : {};
  return { ...(req.query as Params), ...body };
}

function periodSeconds(value: string): number {
  const match = /^(\d+)([hdw])$/.exec(value);
  if (!match) throw new CanaryError(400, "Parameter older_than was invalid.");
  return Number(match[1]) * { h: 3600, d: 86_400, w: 604_800 }[match[2] as "h" | "d" | "w"];
}

function canaryDate(value: string, name: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})-(\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) throw new CanaryError(400, `Parameter ${name} was invalid.`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) / 1000;
}

function checkTz(tz: string | undefined): string | undefined {
  if (tz === undefined) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return tz;
  } catch {
    throw new CanaryError(400, `Parameter tz was invalid: unknown timezone ${tz}`);
  }
}

interface CursorState {
  after: number;
  limit: number;
  query: Params;
}

const encodeCursor = (cursor: CursorState) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
function decodeCursor(value: string): CursorState {
  try {
    const cursor = JSON.parse(Buffer.from(value, "base64url").toString()) as CursorState;
    if (typeof cursor.after !== "number" || typeof cursor.limit !== "number") throw new Error("shape");
    return cursor;
  } catch {
    throw new CanaryError(400, "Parameter cursor was invalid.");
  }
}

/** Starts a stateful Canary console on loopback. */
export async function startCanarySimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  let state = new CanaryState(seed);
  state.generate(60);
  // How often each incident was asked to be acknowledged, and how often that changed it: a resent
  // acknowledgement leaves the incident as it was, so only these counters can tell a repeat.
  let acks = new Map<string, { requests: number; changes: number }>();
  const ackCount = (id: string) => {
    const count = acks.get(id) ?? { requests: 0, changes: 0 };
    acks.set(id, count);
    return count;
  };
  const tokens = new Map<string, Role>([
    [`${state.faker.string.hexadecimal({ length: 32, casing: "lower", prefix: "" })}`, "admin"],
    [`${state.faker.string.hexadecimal({ length: 32, casing: "lower", prefix: "" })}`, "read-only"],
  ]);
  const [adminToken, readOnlyToken] = [...tokens.keys()] as [string, string];

  const { app, faults } = createSimServer({
    errorBody: (_status, message) => ({ result: "error", message }),
    state: () => ({
      tokens: { admin: adminToken, readOnly: readOnlyToken },
      flocks: state.flocks,
      nodes: state.nodes,
      max_updated_id: state.lastUpdatedId,
      // A flat view for inspection: each incident's fields with its key and change counter.
      incidents: [...state.incidents.values()].map((i) => ({
        ...flatIncident(i),
        id: i.id,
        hash_id: i.hash_id,
        updated_id: i.updated_id,
        acknowledge_requests: acks.get(i.id)?.requests ?? 0,
        acknowledgements: acks.get(i.id)?.changes ?? 0,
      })),
    }),
    reset: () => {
      state = new CanaryState(seed);
      state.generate(60);
      acks = new Map();
    },
    generate: (count) => state.generate(count).map((i) => i.id),
  });

  const authorize = (req: FastifyRequest, params: Params, write: boolean): void => {
    const header = req.headers["x-canary-auth-token"];
    const token = typeof header === "string" ? header : params.auth_token;
    const role = token ? tokens.get(token) : undefined;
    if (!role) throw new CanaryError(401, typeof header === "string" ? "Unauthorized" : "Invalid auth_token");
    if (write && role === "read-only")
      throw new CanaryError(403, "This API key does not have permission to perform this action");
  };

  const route = (
    method: "GET" | "POST" | "DELETE",
    path: string,
    write: boolean,
    handler: (p: Params, req: FastifyRequest) => unknown,
  ) => {
    app.route({
      method,
      url: `/api/v1${path}`,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          const params = paramsOf(req);
          authorize(req, params, write);
          return handler(params, req);
        } catch (error) {
          if (error instanceof CanaryError)
            return reply.code(error.status).send({ result: "error", message: error.message });
          throw error;
        }
      },
    });
  };

  const find = (key: string | undefined): SimIncident => {
    if (!key) throw new CanaryError(400, "Parameter incident is required.");
    const incident = state.incidents.get(key);
    if (!incident) throw new CanaryError(404, "Incident not found");
    return incident;
  };

  const setAck = (incident: SimIncident, value: boolean) => {
    if (incident.acknowledged !== value) {
      incident.acknowledged = value;
      state.touch(incident);
      if (value) ackCount(incident.id).changes++;
    }
  };

  const matchBulk = (p: Params): SimIncident[] => {
    const given = BULK_FILTERS.filter((key) => p[key] !== undefined && p[key] !== "");
    if (given.length === 0)
      throw new CanaryError(400, `At least one of ${BULK_FILTERS.join(", ")} is required.`);
    if (p.node_id && p.src_host) throw new CanaryError(400, "Cannot use src_host and node_id together");
    const cutoff = p.older_than ? Math.floor(state.now() / 1000) - periodSeconds(p.older_than) : undefined;
    const logtypes = p.filter_logtypes?.split(",").map((s) => s.trim());
    const needle = p.filter_str?.toLowerCase();
    return [...state.incidents.values()].filter((i) => {
      if (p.flock_id && i.flock_id !== p.flock_id) return false;
      if (p.node_id && i.node_id !== p.node_id) return false;
      if (p.src_host && i.src_host !== p.src_host) return false;
      if (cutoff !== undefined && i.created >= cutoff) return false;
      if (logtypes && !logtypes.includes(i.logtype)) return false;
      if (
        needle &&
        ![i.src_host, i.name, i.memo, i.node_id, i.src_host_reverse].some((v) =>
          v.toLowerCase().includes(needle),
        )
      ) {
        return false;
      }
      return true;
    });
  };

  route("GET", "/ping", false, () => ({ result: "success" }));

  route("POST", "/incident/acknowledge", true, (p) => {
    const incident = find(p.incident);
    ackCount(incident.id).requests++;
    setAck(incident, true);
    return { action: "acknowledged", key: incident.id, result: "success" };
  });
  route("POST", "/incident/unacknowledge", true, (p) => {
    const incident = find(p.incident);
    setAck(incident, false);
    return { action: "unacknowledged", key: incident.id, result: "success" };
  });
  route("DELETE", "/incident/delete", true, (p) => {
    const incident = find(p.incident);
    state.incidents.delete(incident.id);
    return { action: "deleted", key: incident.id, result: "success" };
  });
  route("GET", "/incident/fetch", false, (p) => {
    const tz = checkTz(p.tz);
    let incident: SimIncident | undefined;
    if (p.incident) incident = find(p.incident);
    else if (p.hash_id) incident = [...state.incidents.values()].find((i) => i.hash_id === p.hash_id);
    else throw new CanaryError(400, "Either incident or hash_id is required.");
    if (!incident) throw new CanaryError(404, "Incident not found");
    // Unlike a listing entry's flat incident, the fetched one carries its key.
    const flat = { ...flatIncident(incident, { tz }), id: incident.id };
    const extended = p.extended_details === "true" || p.extended_details === "True";
    const extra = extended
      ? {
          hash_id: incident.hash_id,
          flock_id: incident.flock_id,
          updated_id: incident.updated_id,
          logtype_name: LOGTYPES[incident.logtype]?.summary ?? incident.summary,
        }
      : {};
    return { incident: { ...flat, ...extra }, result: "success" };
  });

  const bulkAck = (value: boolean) => (p: Params) => {
    const keys = matchBulk(p)
      .filter((i) => i.acknowledged !== value)
      .map((i) => {
        setAck(i, value);
        return i.id;
      });
    return { action: value ? "acknowledged" : "unacknowledged", keys, result: "success" };
  };
  route("POST", "/incidents/acknowledge", true, bulkAck(true));
  route("POST", "/incidents/unacknowledge", true, bulkAck(false));
  const bulkDelete = (p: Params) => {
    const all = p.include_unacknowledged === "true" || p.include_unacknowledged === "True";
    const keys = matchBulk(p)
      .filter((i) => all || i.acknowledged)
      .map((i) => {
        state.incidents.delete(i.id);
        return i.id;
      });
    return { action: "deleted", keys, result: "success" };
  };
  route("DELETE", "/incidents/delete", true, bulkDelete);
  // canarytools-python sends bulk delete as POST.
  route("POST", "/incidents/delete", true, bulkDelete);

  // Every incident in change order, sorted again only after the console changed.
  let feedOf: { state: CanaryState; key: string; sorted: SimIncident[] } | undefined;
  const changeFeed = (): SimIncident[] => {
    const key = `${state.lastUpdatedId}:${state.incidents.size}`;
    if (feedOf?.state !== state || feedOf.key !== key) {
      const sorted = [...state.incidents.values()].sort((a, b) => a.updated_id - b.updated_id);
      feedOf = { state, key, sorted };
    }
    return feedOf.sorted;
  };

  const listing = (feed: string, keep: (i: SimIncident) => boolean) => (p: Params, req: FastifyRequest) => {
    let query = p;
    let after = -1;
    let limit: number | undefined;
    if (p.cursor) {
      const cursor = decodeCursor(p.cursor);
      query = cursor.query;
      after = cursor.after;
      limit = cursor.limit;
    } else if (p.limit !== undefined) {
      limit = Number(p.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CanaryError(400, "Parameter limit was invalid.");
    }
    const since = query.incidents_since === undefined ? undefined : Number(query.incidents_since);
    if (since !== undefined && !Number.isInteger(since))
      throw new CanaryError(400, "Parameter incidents_since was invalid.");
    const newer = query.newer_than ? canaryDate(query.newer_than, "newer_than") : undefined;
    const older = query.older_than ? canaryDate(query.older_than, "older_than") : undefined;
    const eventLimit = query.event_limit === undefined ? undefined : Number(query.event_limit);
    const tz = checkTz(query.tz);
    const matches = (i: SimIncident) =>
      keep(i) &&
      (!query.node_id || i.node_id === query.node_id) &&
      (!query.flock_id || i.flock_id === query.flock_id) &&
      (since === undefined || i.updated_id > since) &&
      (newer === undefined || i.created > newer) &&
      (older === undefined || i.created < older);
    // Pages walk the change feed from where the cursor left it, not the whole console each time.
    const sorted = changeFeed();
    const page: SimIncident[] = [];
    let full = false;
    for (let k = firstAfter(sorted, Math.max(after, since ?? -1)); k < sorted.length; k++) {
      const incident = sorted[k]!;
      if (!matches(incident)) continue;
      page.push(incident);
      // As the console does, a full page hands out a cursor without looking further: when the
      // incidents end exactly there, the page after it is empty.
      if (limit !== undefined && page.length === limit) {
        full = true;
        break;
      }
    }
    let newest: SimIncident | undefined;
    for (let k = sorted.length - 1; k >= 0 && !newest; k--) if (matches(sorted[k]!)) newest = sorted[k];
    const updatedAt = newest ? newest.updated_time : Math.floor(state.now() / 1000);
    const body: Record<string, unknown> = { feed };
    if (limit !== undefined) {
      const next = full ? encodeCursor({ after: page[page.length - 1]!.updated_id, limit, query }) : null;
      // The console's next_link repeats the auth_token the request was made with.
      const token = new URL(req.url, "http://sim").searchParams.get("auth_token");
      const link = next
        ? `http://${req.headers.host}${req.url.split("?")[0]}?cursor=${encodeURIComponent(next)}${token ? `&auth_token=${encodeURIComponent(token)}` : ""}`
        : null;
      body.cursor = { next, next_link: link, prev: null, prev_link: null };
    }
    // The empty page a cursor walk ends with has no incident list and no max_updated_id.
    if (p.cursor && page.length === 0) {
      body.incidents = null;
    } else {
      body.incidents = page.map((i) => listingEntry(i, { eventLimit, tz }));
      body.max_updated_id = newest ? newest.updated_id : (since ?? state.lastUpdatedId);
    }
    body.result = "success";
    body.updated = new Date(updatedAt * 1000).toUTCString();
    body.updated_std = stdTime(updatedAt, tz);
    body.updated_timestamp = updatedAt;
    return body;
  };
  route(
    "GET",
    "/incidents/all",
    false,
    listing("All Incidents", () => true),
  );
  route(
    "GET",
    "/incidents/unacknowledged",
    false,
    listing("Unacknowledged Incidents", (i) => !i.acknowledged),
  );
  route(
    "GET",
    "/incidents/acknowledged",
    false,
    listing("Acknowledged Incidents", (i) => i.acknowledged),
  );

  // Loads listing entries (a real console's records, or a malformed one) to be served as given.
  app.post("/__sim/incidents", async (req, reply) => {
    const body = req.body as { incidents?: unknown; replace?: unknown } | undefined;
    const entries = body?.incidents;
    if (
      !Array.isArray(entries) ||
      entries.some((e) => typeof e !== "object" || e === null || Array.isArray(e))
    )
      return reply.code(400).send({ error: "body.incidents must be an array of listing entries (objects)" });
    if (body?.replace !== undefined && typeof body.replace !== "boolean")
      return reply.code(400).send({ error: "body.replace must be a boolean" });
    if (body?.replace) {
      state.incidents.clear();
      state.lastUpdatedId = 0;
    }
    return { loaded: state.load(entries as Record<string, unknown>[]).map((i) => i.id) };
  });

  const url = await listen(app, options);
  return {
    connector: "thinkst-canary",
    url,
    config: { url, auth_token: adminToken },
    faults,
    close: () => app.close(),
  };
}

/** Index of the first incident changed after `updatedId` in a change-ordered list. */
function firstAfter(sorted: readonly SimIncident[], updatedId: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]!.updated_id > updatedId) high = mid;
    else low = mid + 1;
  }
  return low;
}

export const canarySimulator: SimulatorFactory = { connector: "thinkst-canary", start: startCanarySimulator };
